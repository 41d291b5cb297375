package server

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"testing"
)

// Credentials are compared in constant time: in access.go, every == and !=
// compares with a literal or nil (a length, an empty string), never two
// values that may be secrets; bytes.Equal, strings.EqualFold and
// strings.Compare, which return early, are not called; and crypto/subtle
// is what compares.
func TestCredentialsComparedInConstantTime(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "access.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	literal := func(e ast.Expr) bool {
		switch e := e.(type) {
		case *ast.BasicLit:
			return true
		case *ast.Ident:
			return e.Name == "nil" || e.Name == "true" || e.Name == "false"
		}
		return false
	}
	subtleCalls := 0
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BinaryExpr:
			if (n.Op == token.EQL || n.Op == token.NEQ) && !literal(n.X) && !literal(n.Y) {
				// (a == "") == (b == "") compares two booleans.
				if _, ok := n.X.(*ast.ParenExpr); !ok {
					t.Errorf("%s: comparison with %s of two values", fset.Position(n.Pos()), n.Op)
				}
			}
		case *ast.SelectorExpr:
			if x, ok := n.X.(*ast.Ident); ok {
				switch x.Name + "." + n.Sel.Name {
				case "bytes.Equal", "strings.EqualFold", "strings.Compare", "bytes.Compare":
					t.Errorf("%s: %s.%s returns early", fset.Position(n.Pos()), x.Name, n.Sel.Name)
				case "subtle.ConstantTimeCompare":
					subtleCalls++
				}
			}
		}
		return true
	})
	imports := map[string]bool{}
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		imports[p] = true
	}
	if !imports["crypto/subtle"] || subtleCalls < 4 {
		t.Errorf("crypto/subtle imported %v, ConstantTimeCompare called %d times", imports["crypto/subtle"], subtleCalls)
	}
}

// A user name that matches no user costs a bcrypt comparison, as a known
// one does, and a known user's password is checked against its own hash.
func TestUnknownUserCostsABcrypt(t *testing.T) {
	a, err := NewAccess([]User{{Name: "alice", PasswordBcrypt: "$2a$04$ZP8r5eZo7VhSzyxgMnOCvOYFYavd4uYH7x4WvCrzLjTlZ8b4K3dOW"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if a.dummy == nil {
		t.Fatal("no hash to compare unknown names against")
	}
	if a.checkUser("mallory", "x") || a.checkUser("alice", "x") {
		t.Error("wrong credentials allowed")
	}
}
