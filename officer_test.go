package balai

import "testing"

func TestRoleAllows(t *testing.T) {
	roles := []Role{RoleOfficer, RoleSupervisor, RoleEditor, RoleAdmin}
	want := map[[2]Role]bool{
		{RoleOfficer, RoleOfficer}:    true,
		{RoleSupervisor, RoleOfficer}: true, {RoleSupervisor, RoleSupervisor}: true,
		{RoleEditor, RoleEditor}: true,
		{RoleAdmin, RoleOfficer}: true, {RoleAdmin, RoleSupervisor}: true, {RoleAdmin, RoleEditor}: true, {RoleAdmin, RoleAdmin}: true,
	}
	for _, have := range roles {
		if !have.Valid() {
			t.Errorf("%q is not valid", have)
		}
		for _, need := range roles {
			if got := have.Allows(need); got != want[[2]Role{have, need}] {
				t.Errorf("%s.Allows(%s) = %v", have, need, got)
			}
		}
	}
	if Role("root").Valid() || Role("").Allows(RoleOfficer) {
		t.Error("an unknown role is valid or allowed")
	}
}
