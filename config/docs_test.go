package config

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDocumentedExamples: every configuration example in README.md and
// docs/config.md parses without an error (warnings are fine: examples use
// documentation addresses), so each channel's example there works.
// Examples of other programs' configuration (Alertmanager's route) are
// told apart by their first key.
func TestDocumentedExamples(t *testing.T) {
	block := regexp.MustCompile("(?s)```yaml\n(.*?)```")
	for _, doc := range []string{"../README.md", "../docs/config.md"} {
		data, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, m := range block.FindAllSubmatch(data, -1) {
			text := string(m[1])
			if strings.HasPrefix(text, "route:") {
				continue
			}
			n++
			if _, err := Parse([]byte(text), filepath.Base(doc)); err != nil {
				t.Errorf("an example in %s does not parse:\n%s\n%v", doc, text, err)
			}
		}
		if n == 0 {
			t.Errorf("%s has no configuration example", doc)
		}
	}
}
