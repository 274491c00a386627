package store_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/balai-id/balai"

// leafPackages are the helpers of Balai's own the store may use besides the root package:
// each imports nothing of Balai's (checked below), so none is a way back to the engine, the
// desk or an adapter.
var leafPackages = []string{"clock", "redact", "internal/lockfile", "internal/private"}

// balaiImports returns, for each non-test Go file of dir (whatever its build tags), the
// packages of Balai's module it imports, as "file: import path".
func balaiImports(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range af.Imports {
			path, err := strconv.Unquote(imp.Path.Value)
			if err != nil {
				t.Fatal(err)
			}
			if path == module || strings.HasPrefix(path, module+"/") {
				out = append(out, filepath.Base(f)+": "+path)
			}
		}
	}
	return out
}

// allowedInStore reports whether the store may import path: the root package (the domain),
// the store's own subpackages, and the leaf helpers.
func allowedInStore(path string) bool {
	rel, sub := strings.CutPrefix(path, module+"/")
	switch {
	case path == module:
		return true
	case !sub:
		return false
	case rel == "store" || strings.HasPrefix(rel, "store/"):
		return true
	}
	return slices.Contains(leafPackages, rel)
}

// TestStoreImportsOnlyTheDomain keeps the store an adapter of the root package, as in
// benbjohnson/wtf: it implements the ports of bot, desk and the console with the root's
// types and never imports them (their tests check it implements them, ports_test.go).
func TestStoreImportsOnlyTheDomain(t *testing.T) {
	imports := balaiImports(t, ".")
	if len(imports) == 0 {
		t.Fatal("no imports of Balai's packages found: the check reads the wrong directory")
	}
	for _, fi := range imports {
		_, path, _ := strings.Cut(fi, ": ")
		if !allowedInStore(path) {
			t.Errorf("%s: the store may import only the root package %s, its own subpackages and %v", fi, module, leafPackages)
		}
	}
	for _, leaf := range leafPackages {
		for _, fi := range balaiImports(t, filepath.Join("..", filepath.FromSlash(leaf))) {
			t.Errorf("%s/%s: a leaf helper the store uses imports Balai's packages", leaf, fi)
		}
	}
}

// TestStoreImportCheck makes sure the check above sees a forbidden import.
func TestStoreImportCheck(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"a.go":       "package x\n\nimport (\n\t\"context\"\n\n\t\"" + module + "\"\n)\n",
		"b_other.go": "//go:build windows\n\npackage x\n\nimport \"" + module + "/bot\"\n",
		"c_test.go":  "package x\n\nimport \"" + module + "/desk\"\n",
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got := balaiImports(t, dir)
	want := []string{"a.go: " + module, "b_other.go: " + module + "/bot"}
	if !slices.Equal(got, want) {
		t.Fatalf("imports = %q, want %q", got, want)
	}
	for path, ok := range map[string]bool{
		module: true, module + "/store/storetest": true, module + "/clock": true,
		module + "/bot": false, module + "/desk": false, module + "/storex": false, "github.com/balai-id/balaix": false,
	} {
		if allowedInStore(path) != ok {
			t.Errorf("allowedInStore(%q) = %v, want %v", path, !ok, ok)
		}
	}
}
