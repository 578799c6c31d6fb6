package classify

import (
	"errors"
	"slices"
	"testing"
)

func TestParseRole(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Role
		err  bool
	}{
		{"", RoleDedicated, false},
		{"dedicated", RoleDedicated, false},
		{"operator", RoleOperator, false},
		{"customer", RoleCustomer, false},
		{"Customer", "", true},
		{"shared", "", true},
	} {
		got, err := ParseRole(tc.in)
		if got != tc.want || (err != nil) != tc.err || err != nil && !errors.Is(err, ErrRole) {
			t.Errorf("ParseRole(%q) = %q, %v", tc.in, got, err)
		}
	}
}

func TestRoleTexts(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		if RoleDedicated.Note(lang) != "" {
			t.Errorf("%s: a note for a dedicated server", lang)
		}
		for _, r := range []Role{RoleOperator, RoleCustomer} {
			if r.Note(lang) == "" || len(RoleSteps(r, lang, nil)) < 2 {
				t.Errorf("%s %s: no note or steps", lang, r)
			}
		}
	}
	base := []string{"look it up", "request removal"}
	if got := RoleSteps(RoleDedicated, "en", base); !slices.Equal(got, base) {
		t.Errorf("dedicated: %q", got)
	}
	if got := RoleSteps(RoleOperator, "en", base); len(got) != 4 || !slices.Equal(got[2:], base) {
		t.Errorf("operator: %q", got)
	}
	if got := RoleSteps(RoleCustomer, "ja", base); slices.Contains(got, "request removal") {
		t.Errorf("customer keeps the owner's steps: %q", got)
	}
}

func TestSteps(t *testing.T) {
	got := Steps("1. Look it up.\n\n  2) Fix it.\n3.Not a number prefix\n10. Ten.\n2026 is a year.\n")
	want := []string{"Look it up.", "Fix it.", "3.Not a number prefix", "Ten.", "2026 is a year."}
	if !slices.Equal(got, want) {
		t.Errorf("Steps = %q, want %q", got, want)
	}
}
