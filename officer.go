package balai

// Role is what a console account may do. One account has one role.
type Role string

// The console's roles. An officer answers tickets; a supervisor also reassigns, edits canned
// replies and sees every officer's load; an editor keeps the FAQ corpus; an admin may do
// everything, accounts included.
const (
	RoleOfficer    Role = "officer"
	RoleSupervisor Role = "supervisor"
	RoleEditor     Role = "editor"
	RoleAdmin      Role = "admin"
)

// Valid reports whether r is one of the roles.
func (r Role) Valid() bool {
	switch r {
	case RoleOfficer, RoleSupervisor, RoleEditor, RoleAdmin:
		return true
	}
	return false
}

// Allows reports whether someone with role r may do what needs role need: an admin may do
// everything, a supervisor what an officer may, the others only their own.
func (r Role) Allows(need Role) bool {
	switch {
	case r == need, r == RoleAdmin:
		return true
	case r == RoleSupervisor && need == RoleOfficer:
		return true
	}
	return false
}

// Officer is a person acting on the desk, from the officers' Telegram group or the web
// console: one person, one identity and one audit trail.
type Officer struct {
	// ID is the identity stored as a ticket's assignee and in its audit log: "user:7" for
	// console account 7 (also when that person acts from a Telegram account linked to it),
	// or the Telegram actor ("telegram:42") of a group member without a console account.
	ID   string
	Name string
	Role Role
}
