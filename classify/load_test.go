package classify

import (
	"reflect"
	"strings"
	"testing"
)

// TestReadSourceAsStrict checks that readSource, which decodes the
// structs from the nodes it reads, gives what reading the text strictly
// gives (readStrict): the same structs, nodes and problems, on the
// built-in catalog, on files with keys no field has at every depth, with
// aliases and merge keys, with type and syntax errors, and on empty ones.
func TestReadSourceAsStrict(t *testing.T) {
	emb := string(embeddedCatalog)
	files := map[string]string{
		"embedded": emb,
		"empty":    "",
		"comment":  "# nothing\n",
		"null":     "~\n",
		"list":     "- a\n- b\n",
		"two docs": "rules: []\n---\nproviders: 3\n",
		"small": `providers:
  - id: examplebl
    name: Example BL
    kind: dnsbl
    rules:
      - id: examplebl
        any: ['example bl']
        samples: ['550 example bl']
texts:
  x: {en: "a", ja: "b"}
`,
		"unknown top":      "colour: red\nrules: []\n",
		"unknown provider": "providers:\n  - id: x\n    colour: red\n",
		"unknown rule":     "providers:\n  - id: x\n    rules:\n      - id: y\n        colour: red\n",
		"unknown text":     "texts:\n  x: {en: a, fr: b}\n",
		"type error":       "providers:\n  - id: [x]\n",
		"type and unknown": "providers:\n  - id: [x]\n    colour: red\n",
		"syntax":           "providers: [\n",
		"alias":            "providers:\n  - &p {id: x}\n  - *p\n",
		"merge":            "texts:\n  a: &a {en: x}\n  b:\n    <<: *a\n    ja: y\n",
		"merge unknown":    "texts:\n  a: &a {en: x, fr: z}\n  b:\n    <<: *a\n",
		"complex key":      "texts:\n  ? [a]\n  : {en: x}\n",
		"duplicate":        "rules: []\nrules: []\n",
	}
	// The built-in catalog with a key misspelt at each depth, and with
	// one removed.
	for _, m := range []struct{ from, to string }{
		{"\nproviders:", "\nprovider:"}, {"\n    name:", "\n    nmae:"}, {"\n        samples:", "\n        sample:"},
		{"\n        any:", "\n        anyy:"}, {"\n  - id:", "\n  - ID:"}, {"\n    name:", "\n    #name:"},
	} {
		if !strings.Contains(emb, m.from) {
			t.Fatalf("the built-in catalog has no %q", m.from)
		}
		files["embedded "+m.to] = strings.Replace(emb, m.from, m.to, 1)
	}
	strict := 0
	for name, f := range files {
		gotF, gotRoot, gotP := readSource([]byte(f), "f.yaml")
		wantF, wantRoot, wantP := readStrict([]byte(f), "f.yaml")
		if !reflect.DeepEqual(gotF, wantF) {
			t.Errorf("%s: readSource's structs differ from readStrict's", name)
		}
		if !reflect.DeepEqual(gotRoot, wantRoot) {
			t.Errorf("%s: readSource's nodes differ from readStrict's", name)
		}
		if !reflect.DeepEqual(gotP, wantP) {
			t.Errorf("%s: readSource's problems %q, readStrict's %q", name, gotP, wantP)
		}
		if len(wantP) > 0 {
			strict++
		}
	}
	if strict < 8 {
		t.Errorf("only %d files with problems: the test no longer tries the strict reading", strict)
	}
}

// TestKnownKeysFastPath checks that the built-in catalog takes the one
// reading (knownKeys is sure of it) and that a misspelt key does not.
func TestKnownKeysFastPath(t *testing.T) {
	_, root, _ := readStrict(embeddedCatalog, EmbeddedName)
	if !knownKeys(&root, reflect.TypeFor[source](), map[reflect.Type]map[string]reflect.Type{}) {
		t.Error("knownKeys is not sure of the built-in catalog: every command reads it twice")
	}
	_, root, _ = readStrict([]byte(strings.Replace(string(embeddedCatalog), "\n        samples:", "\n        sample:", 1)), "f.yaml")
	if knownKeys(&root, reflect.TypeFor[source](), map[reflect.Type]map[string]reflect.Type{}) {
		t.Error("knownKeys takes a misspelt key")
	}
}

// TestBuiltinSamples classifies the built-in catalog's samples and
// counter-samples, which Default leaves to this test: each gives its
// rule's verdict (Load's check of a user's file).
func TestBuiltinSamples(t *testing.T) {
	for _, p := range Default().checkSamples() {
		t.Error(p)
	}
	if _, err := Load(nil, embeddedCatalog, EmbeddedName); err != nil {
		t.Error(err)
	}
}

// TestShownTextHasNoControls: a catalog file's provider name and advice
// reach terminals (explain), headers and messages as written, so a control
// character in them is refused with the provider and the key; a line
// break in advice is not.
func TestShownTextHasNoControls(t *testing.T) {
	provider := func(field string) string {
		return "providers:\n  - id: own\n    name: Own list\n    kind: dnsbl\n    meaning: {en: 'Listed by us.'}\n    advice: {en: 'Ask us.'}\n" + field
	}
	for _, tt := range []struct {
		name, yaml, want string
	}{
		{"an escape in the name", `providers:
  - id: own
    name: "Own \e[31mlist"
    kind: dnsbl
`, `provider "own": name holds the control character U+001B`},
		{"a carriage return in a name", provider(`    names: ["own\rlist"]` + "\n"), `names holds the control character U+000D`},
		{"a C1 control in advice", provider(`    list_advice: {own.example: {ja: "x\u009by"}}` + "\n"), `list_advice.own.example.ja holds the control character U+009B`},
		{"a bell in historical", provider(`    historical: "closed\a"` + "\n"), `historical holds the control character U+0007`},
		{"a line break in advice", provider(`    removal_time: {en: "a day\nor two"}` + "\n"), ``},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(Default(), []byte(tt.yaml), "my.yaml")
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "my.yaml:")):
				t.Errorf("error %v, want one with my.yaml:LINE and %q", err, tt.want)
			}
		})
	}
}
