package storetest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestEveryMethodIsExercised fails when a method of the store's interfaces
// (backend/store/*.go) is called by no conformance test: a new method
// comes with its test here, or one implementation may get it wrong
// unseen.
func TestEveryMethodIsExercised(t *testing.T) {
	methods := map[string]string{} // method → interface
	for _, f := range parseDir(t, "..") {
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			it, ok := ts.Type.(*ast.InterfaceType)
			if !ok {
				return false
			}
			for _, m := range it.Methods.List {
				if _, ok := m.Type.(*ast.FuncType); ok {
					for _, name := range m.Names {
						methods[name.Name] = ts.Name.Name
					}
				}
			}
			return false
		})
	}
	if len(methods) < 70 { // 75 when written: the parsing found them
		t.Fatalf("found only %d methods in the store's interfaces: %v", len(methods), methods)
	}
	called := map[string]bool{}
	for _, f := range parseDir(t, ".") {
		ast.Inspect(f, func(n ast.Node) bool {
			if c, ok := n.(*ast.CallExpr); ok {
				if sel, ok := c.Fun.(*ast.SelectorExpr); ok {
					called[sel.Sel.Name] = true
				}
			}
			return true
		})
	}
	var missing []string
	for m, iface := range methods {
		if !called[m] {
			missing = append(missing, iface+"."+m)
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("no conformance test calls %s", strings.Join(missing, ", "))
	}
}

// parseDir parses the Go files of dir, tests left out.
func parseDir(t *testing.T, dir string) []*ast.File {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var out []*ast.File
	fset := token.NewFileSet()
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, f)
	}
	return out
}
