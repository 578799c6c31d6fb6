package classify

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/rblwatch/rblwatch/reply"
)

// TestEmbeddedCatalog loads the embedded catalog: strict decoding, every
// regex, every rule's samples and counter-samples.
func TestEmbeddedCatalog(t *testing.T) {
	c, err := Load(nil, embeddedCatalog, EmbeddedName)
	if err != nil {
		var le *LoadError
		if errors.As(err, &le) {
			for _, p := range le.Problems {
				t.Error(p)
			}
			return
		}
		t.Fatal(err)
	}
	if c.Provider(Unknown) == nil {
		t.Errorf("the catalog has no %q provider", Unknown)
	}
}

// requiredProviders are the ids the catalog must have.
var requiredProviders = []string{
	"spamhaus", "barracuda", "trendmicro", "microsoft", "gmail", "yahoo", "spamcop", "proofpoint",
	"cloudmark", "mimecast", "uceprotect", "abusix", "sorbs", "psbl", "mailspike", "spamrats",
	"hostkarma", "invaluement", "nixspam", "surbl", "uribl", "cisco", "symantec", "sophos",
	"fortiguard", "apple", "comcast", "att", "cox", "gmx", "tonline", "orange", "unknown",
	"cobion", "spamrl", "nerddk", "improvmx", "emailfiltering", "baruwa", "fasthosts",
	"centurylink", "telstra", "orbs", "orbz",
}

// TestCatalogContent checks what the loader does not insist on but the
// embedded catalog must have: the required providers, texts in both
// languages, the historical lists marked, zone error answers marked.
func TestCatalogContent(t *testing.T) {
	c := Default()
	for _, id := range requiredProviders {
		if c.Provider(id) == nil {
			t.Errorf("provider %q missing", id)
		}
	}
	for _, p := range c.Providers() {
		if p.Meaning.En == "" || p.Meaning.Ja == "" || p.Advice.En == "" || p.Advice.Ja == "" {
			t.Errorf("provider %q: meaning and advice need en and ja", p.ID)
		}
		if (p.RemovalTime.En == "") != (p.RemovalTime.Ja == "") {
			t.Errorf("provider %q: removal_time needs both languages", p.ID)
		}
		for _, r := range p.Rules {
			if (r.Meaning.En == "") != (r.Meaning.Ja == "") || (r.Advice.En == "") != (r.Advice.Ja == "") {
				t.Errorf("rule %q: texts need both languages", r.ID)
			}
		}
	}
	for _, id := range []string{"sorbs", "nixspam", "orbs", "orbz", "wpbl", "paran", "verizon", "postini"} {
		if p := c.Provider(id); p != nil && p.Historical == "" {
			t.Errorf("provider %q must be marked historical", id)
		}
	}
	for _, cat := range Categories {
		ci := c.Category(cat)
		if ci == nil || ci.Meaning.Ja == "" || ci.Advice.Ja == "" || ci.Meaning.En == "" || ci.Advice.En == "" {
			t.Errorf("category %q needs meaning and advice in en and ja", cat)
		}
	}
	for _, key := range []string{"listed", "listed_no_target", "reputation", "reputation_no_target", "unknown_list", "receiver_fault", "via", "temporary", "permanent", "self_service_no", "removal_contact", "historical", "historical_service", "named_list_step", "found_named", "found_code", "found_url", "found_relay", "found_generic"} {
		if tx := c.texts[key]; tx.En == "" || tx.Ja == "" {
			t.Errorf("text %q needs en and ja", key)
		}
	}
	// Error and whitelist answers that must never count as listings.
	answers := map[string]string{}
	for _, p := range c.Providers() {
		for _, z := range p.Zones {
			for _, code := range z.Codes {
				answers[z.Name+" "+code.Answer] = code.Status
			}
		}
	}
	for key, want := range map[string]string{
		"zen.spamhaus.org 127.255.255.0/24":                   "error",
		"dbl.spamhaus.org 127.255.255.0/24":                   "error",
		"hostkarma.junkemailfilter.com 127.0.0.1":             "allowed",
		"multi.uribl.com 127.0.0.1":                           "error",
		"multi.surbl.org 127.0.0.1":                           "error",
		"{key}.zen.dq.spamhaus.net 127.255.255.0/24":          "error",
		"{key}.combined.mail.abusix.zone 127.0.0.2-127.0.0.4": "",
	} {
		if got, ok := answers[key]; !ok || got != want {
			t.Errorf("zone answer %s: status %q (present %v), want %q", key, got, ok, want)
		}
	}
	for _, p := range c.Providers() {
		for _, z := range p.Zones {
			if strings.Contains(z.Name, "{key}") != z.NeedsKey {
				t.Errorf("zone %s: needs_key must be set exactly when the name has {key}", z.Name)
			}
		}
	}
}

func TestLoadOverride(t *testing.T) {
	user := []byte(`
providers:
  - id: spamhaus
    advice:
      ja: 'テスト用の助言です。'
    rules:
      - id: spamhaus
        disabled: true
  - id: examplebl
    name: Example BL
    kind: dnsbl
    lookup_url: 'https://lists.example.test/lookup?ip={ip}'
    meaning: {en: 'A local list.'}
    zones:
      - name: lists.example.test
    rules:
      - id: examplebl
        any: ['example block list']
        samples: ['550 5.7.1 You are on the Example Block List']
rules:
  - id: custom-greylist
    category: greylist
    priority: 90
    any: ['come back in ten minutes']
    samples: ['451 4.7.1 Please come back in ten minutes']
`)
	base := Default()
	c, err := Load(base, user, "user.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p := c.Provider("spamhaus")
	if p.Advice.Ja != "テスト用の助言です。" || p.Advice.En != base.Provider("spamhaus").Advice.En {
		t.Errorf("override merged badly: %+v", p.Advice)
	}
	if base.Provider("spamhaus").Advice.Ja == "テスト用の助言です。" {
		t.Error("Load modified the base catalog")
	}
	for _, tc := range []struct{ text, provider, rule string }{
		{"550 You are on the Example Block List", "examplebl", "examplebl"},
		{"550 blocked using lists.example.test", "examplebl", "examplebl-zone"},
		// The generic spamhaus rule is off; the zone names still work.
		{"550 Email blocked by SPAMHAUS", Unknown, GenericRuleID},
		{"550 blocked using zen.spamhaus.org", "spamhaus", "spamhaus-zone"},
	} {
		v := c.Classify(Input{Reply: reply.Parse(tc.text)})
		if v.Provider != tc.provider && !(tc.provider == Unknown && v.Category != Blocklist) || v.Rule != tc.rule && tc.provider != Unknown {
			t.Errorf("%s: got %s (rule %s), want %s (rule %s)", tc.text, v.Provider, v.Rule, tc.provider, tc.rule)
		}
	}
	if v := c.Classify(Input{Reply: reply.Parse("451 4.7.1 Please come back in ten minutes")}); v.Category != Greylist {
		t.Errorf("custom rule: got %s", v.Category)
	}
	if v := base.Classify(Input{Reply: reply.Parse("550 Email blocked by SPAMHAUS")}); v.Provider != "spamhaus" {
		t.Errorf("base catalog changed by Load: %+v", v)
	}
}

// TestLoadSyntaxLines: a YAML error names its line where the YAML library
// names none (an error on the first line; bytes it cannot read), and an
// unknown key is said so, not as "field x not found in type
// classify.Provider".
func TestLoadSyntaxLines(t *testing.T) {
	for _, tc := range []struct{ name, data, want string }{
		{"tab on the first line", "\tproviders: []\n", "c.yaml:1: found character that cannot start any token"},
		{"invalid UTF-8 on line 3", "providers:\n  - id: x\n    name: \"\xff\"\n", "c.yaml:3: invalid leading UTF-8 octet"},
		{"unknown key", "providers:\n  - id: x\n    bogus: 1\n", "c.yaml:3: bogus: unknown key"},
	} {
		_, err := Load(Default(), []byte(tc.data), "c.yaml")
		var le *LoadError
		if !errors.As(err, &le) || len(le.Problems) == 0 || le.Problems[0] != tc.want {
			t.Errorf("%s: %v, want %q first", tc.name, err, tc.want)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	bad := []byte(`providers:
  - id: examplebl
    name: Example BL
    kind: dnsbl
    colour: blue
    meaning: {en: 'A local list.'}
    lookup_url: 'ftp://lists.example.test/{ip}'
    rules:
      - id: examplebl
        regex: '(unclosed'
        samples: ['550 whatever']
      - id: example-two
        any: ['example two']
        via: nobody
        samples: ['550 5.7.1 something else entirely']
rules:
  - id: no-category
    any: ['x']
    samples: ['x']
`)
	_, err := Load(Default(), bad, "user.yaml")
	if !errors.Is(err, ErrCatalog) {
		t.Fatalf("err = %v, want ErrCatalog", err)
	}
	var le *LoadError
	if !errors.As(err, &le) {
		t.Fatalf("err is %T, want *LoadError", err)
	}
	for _, want := range []string{
		"user.yaml:5: colour: unknown key",
		"user.yaml:2: provider \"examplebl\": lookup_url",
		"user.yaml:9: rule \"examplebl\": bad regex",
		"user.yaml:17: rule \"no-category\": a top-level rule needs a category",
	} {
		found := false
		for _, p := range le.Problems {
			if strings.HasPrefix(p, want) {
				found = true
			}
		}
		if !found {
			t.Errorf("no problem starting %q in:\n%s", want, err)
		}
	}
	// A file that decodes but whose samples fail, and whose via names no
	// provider.
	bad2 := []byte(`providers:
  - id: examplebl
    name: Example BL
    kind: dnsbl
    meaning: {en: 'A local list.'}
    rules:
      - id: examplebl
        any: ['example block list']
        via: nobody
        samples: ['550 something that does not say it']
`)
	_, err = Load(Default(), bad2, "user2.yaml")
	if err == nil || !strings.Contains(err.Error(), `user2.yaml:7: rule "examplebl": via names no provider`) {
		t.Errorf("want a via problem, got %v", err)
	}
	bad3 := []byte(`providers:
  - id: examplebl
    name: Example BL
    kind: dnsbl
    meaning: {en: 'A local list.'}
    rules:
      - id: examplebl
        any: ['example block list']
        samples: ['550 something that does not say it']
`)
	_, err = Load(Default(), bad3, "user3.yaml")
	if err == nil || !strings.Contains(err.Error(), `user3.yaml:7: rule "examplebl": sample classified as other`) {
		t.Errorf("want a sample problem, got %v", err)
	}
	if _, err := Load(nil, []byte("providers: [\n"), "broken.yaml"); err == nil || !strings.HasPrefix(err.Error(), "broken.yaml:") {
		t.Errorf("syntax error: got %v", err)
	}
}

// TestPatternsCompiledOnce: a load compiles each rule pattern once — the
// one it checks is the one it builds, two rules with one pattern share it,
// and a file merged over the built-in catalog keeps the built-in rules'
// compiled patterns — and a shared pattern still matches for each rule.
func TestPatternsCompiledOnce(t *testing.T) {
	def := Default()
	builtin := map[string]*regexp.Regexp{}
	for _, cr := range def.rules {
		if cr.re != nil {
			builtin[cr.r.ID] = cr.re
		}
	}
	if len(builtin) == 0 {
		t.Fatal("the built-in catalog has no rule with a pattern")
	}
	c, err := Load(def, []byte(`providers:
  - id: ownlist
    name: Own list
    kind: dnsbl
    meaning: {en: 'Our own list.'}
    rules:
      - id: ownlist-a
        regex: 'listed (at|by) own\.example'
        samples: ['550 listed at own.example']
      - id: ownlist-b
        regex: 'listed (at|by) own\.example'
        codes: ['554']
        priority: 90
        samples: ['554 listed by own.example']
`), "user.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var a, b *regexp.Regexp
	for _, cr := range c.rules {
		switch id := cr.r.ID; {
		case id == "ownlist-a":
			a = cr.re
		case id == "ownlist-b":
			b = cr.re
		case builtin[id] != nil && cr.re != builtin[id]:
			t.Errorf("rule %q: its pattern was compiled again", id)
		}
	}
	if a == nil || a != b {
		t.Errorf("two rules with one pattern: %p and %p, want one", a, b)
	}
	for _, tc := range []struct{ text, rule string }{
		{"550 listed at own.example", "ownlist-a"},
		{"554 listed by own.example", "ownlist-b"},
	} {
		if v := c.Classify(Input{Reply: reply.Parse(tc.text)}); v.Rule != tc.rule {
			t.Errorf("%q: rule %q, want %q", tc.text, v.Rule, tc.rule)
		}
	}
}
