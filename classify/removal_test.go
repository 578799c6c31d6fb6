package classify

import (
	"strings"
	"testing"
)

// TestNoteForRemovalKinds: the role's note follows how a listing ends.
// "Not a listing you ask to have removed" is right for a provider with no
// removal (docomo, SpamCop) and wrong for one whose removal is asked for by
// contacting it (Fasthosts, Telstra, Rambler): the operator contacts the
// provider itself, the customer asks its hosting company to.
func TestNoteForRemovalKinds(t *testing.T) {
	type want struct{ has, not []string }
	cases := map[Role]map[RemovalKind]map[string]want{
		RoleOperator: {
			RemovalForm: {"en": {has: []string{"you file the removal yourself"}}, "ja": {has: []string{"解除申請はご自身で行います"}}},
			RemovalNone: {"en": {has: []string{"first find and stop"}, not: []string{"you file the removal", "Rambler", "contact"}},
				"ja": {has: []string{"送信を止めてください"}, not: []string{"解除申請はご自身で", "Rambler", "連絡"}}},
			RemovalContact: {"en": {has: []string{"you ask Rambler for the removal yourself by contacting them", "find and stop the customer"}, not: []string{"you file the removal"}},
				"ja": {has: []string{"解除は Rambler への連絡で依頼します", "送信を止めてください"}, not: []string{"解除申請はご自身で行います"}}},
		},
		RoleCustomer: {
			RemovalForm: {"en": {has: []string{"do not file a removal request yourself"}, not: []string{"Rambler"}}, "ja": {has: []string{"解除申請はご自身では行わず"}, not: []string{"Rambler"}}},
			RemovalNone: {"en": {has: []string{"do not file a removal request yourself"}, not: []string{"Rambler"}}, "ja": {has: []string{"解除申請はご自身では行わず"}, not: []string{"Rambler"}}},
			RemovalContact: {"en": {has: []string{"do not contact Rambler yourself", "hosting company", "contacting Rambler"}},
				"ja": {has: []string{"Rambler への連絡で依頼", "ご自身では連絡せず", "ホスティング事業者"}}},
		},
		RoleDedicated: {
			RemovalForm: {"en": {}, "ja": {}}, RemovalNone: {"en": {}, "ja": {}}, RemovalContact: {"en": {}, "ja": {}},
		},
	}
	for _, r := range Roles {
		for _, k := range RemovalKinds {
			for _, lang := range []string{"en", "ja"} {
				w, ok := cases[r][k][lang]
				if !ok {
					t.Fatalf("no case for %s %s %s", r, k, lang)
				}
				got := r.NoteFor(lang, k, "Rambler")
				if r == RoleDedicated && got != "" {
					t.Errorf("%s %s %s: a dedicated server gets a note: %q", r, k, lang, got)
				}
				for _, s := range w.has {
					if !strings.Contains(got, s) {
						t.Errorf("%s %s %s: note lacks %q: %q", r, k, lang, s, got)
					}
				}
				for _, s := range w.not {
					if strings.Contains(got, s) {
						t.Errorf("%s %s %s: note says %q: %q", r, k, lang, s, got)
					}
				}
				if strings.Contains(got, "{provider}") {
					t.Errorf("%s %s %s: placeholder left: %q", r, k, lang, got)
				}
			}
		}
	}
}

// TestRemovalKindsOfCatalog: every built-in provider says how its listings
// end, self_service: true is a form, and the 74 without a form split into
// those whose entry says removal is asked for by contacting the provider
// and those with no removal (the thirteenth round of issue 14 added KISA's
// list, contact, and four historical lists, none; the twenty-third
// Fastmail, BT and Altibox, contact, Optimum Online, Frontier and TIM,
// none; issue 12 ぷらら, none: its deferral of dynamic addresses takes no
// request).
func TestRemovalKindsOfCatalog(t *testing.T) {
	n := map[RemovalKind]int{}
	for _, p := range Default().Providers() {
		k := p.HowRemoved()
		if p.SelfService != (k == RemovalForm) {
			t.Errorf("%s: self_service %v, removal %s", p.ID, p.SelfService, k)
		}
		n[k]++
	}
	if n[RemovalContact] != 28 || n[RemovalNone] != 46 {
		t.Errorf("removal kinds: %v, want 28 contact and 46 none", n)
	}
}

// TestRemovalKey: a user's catalog may set removal or only self_service
// (read as before); any other value, or removal contradicting
// self_service: true, is an error.
func TestRemovalKey(t *testing.T) {
	base := Default()
	for _, tc := range []struct {
		yaml string
		want RemovalKind
		bad  bool
	}{
		{"providers:\n  - id: telstra\n    self_service: true\n", RemovalForm, false},
		{"providers:\n  - id: telstra\n    self_service: false\n", RemovalNone, false},
		{"providers:\n  - id: telstra\n    name: Telstra\n", RemovalContact, false},
		{"providers:\n  - id: docomo\n    removal: contact\n", RemovalContact, false},
		{"providers:\n  - id: docomo\n    removal: maybe\n", "", true},
		{"providers:\n  - id: docomo\n    self_service: true\n    removal: none\n", "", true},
	} {
		c, err := Load(base, []byte(tc.yaml), "user.yaml")
		if tc.bad {
			if err == nil || !strings.Contains(err.Error(), "removal") {
				t.Errorf("%q: error %v, want one about removal", tc.yaml, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q: %v", tc.yaml, err)
		}
		id := strings.Fields(strings.SplitN(tc.yaml, "id: ", 2)[1])[0]
		if got := c.Provider(id).HowRemoved(); got != tc.want {
			t.Errorf("%q: removal %s, want %s", tc.yaml, got, tc.want)
		}
	}
}

// TestCustomerContactNote: a customer of a provider whose removal is asked
// for by contacting it is not told, above steps that send it to its
// hosting company, that "removal is asked for by contacting Fasthosts": its
// role's note says who contacts the provider. The operator and a dedicated
// server still get the line (they are the ones to contact it).
func TestCustomerContactNote(t *testing.T) {
	const reply = "550 5.7.1 Service unavailable; client [138.197.213.185] blocked using antispam.fasthosts.co.uk"
	general := map[string]string{"en": "removal is asked for by contacting Fasthosts anti-spam, once the cause is fixed", "ja": "解除は Fasthosts anti-spam への連絡で依頼します。原因を解消したうえで"}
	for _, lang := range []string{"en", "ja"} {
		for _, r := range Roles {
			e := explainText(t, reply, lang, r, nil)
			if e.Removal != RemovalContact {
				t.Fatalf("%s: removal %q, want contact", reply, e.Removal)
			}
			var b strings.Builder
			if err := e.WriteText(&b, lang); err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(b.String(), general[lang]); got != (r != RoleCustomer) {
				t.Errorf("%s %s: general contact line shown %v:\n%s", r, lang, got, b.String())
			}
		}
	}
}
