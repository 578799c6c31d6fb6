package report

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// TestIndentJSONAsEncoding checks that indentJSON writes what
// json.Indent writes, for what json.Marshal makes of the golden reports
// and of random nested values (empty objects and arrays, strings with
// quotes, backslashes, brackets and commas, numbers, null).
func TestIndentJSONAsEncoding(t *testing.T) {
	var docs [][]byte
	goldens, _ := filepath.Glob("../testdata/report/*.json")
	if len(goldens) == 0 {
		t.Fatal("no golden JSON report")
	}
	for _, g := range goldens {
		b, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		docs = append(docs, mustMarshal(t, v))
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		docs = append(docs, mustMarshal(t, randomValue(r, 0)))
	}
	for _, d := range docs {
		var want bytes.Buffer
		if err := json.Indent(&want, d, "", "  "); err != nil {
			t.Fatal(err)
		}
		if got := indentJSON(nil, d); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("indentJSON(%s)\n= %s\nwant %s", d, got, want.Bytes())
		}
	}
}

func mustMarshal(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func randomValue(r *rand.Rand, depth int) any {
	n := r.IntN(7)
	if depth > 4 {
		n = r.IntN(4)
	}
	switch n {
	case 0:
		return nil
	case 1:
		return r.Float64() * 1e6
	case 2:
		return r.IntN(2) == 0
	case 3:
		pieces := []string{"", "a", `"`, `\`, "{", "}", "[", "]", ",", ":", " ", "\n", "<&>", "é", "\u2028", "\x01"}
		s := ""
		for range r.IntN(6) {
			s += pieces[r.IntN(len(pieces))]
		}
		return s
	case 4, 5:
		a := make([]any, r.IntN(4))
		for i := range a {
			a[i] = randomValue(r, depth+1)
		}
		return a
	default:
		m := map[string]any{}
		for i := range r.IntN(4) {
			m[string(rune('a'+i))+"\"{,"] = randomValue(r, depth+1)
		}
		return m
	}
}
