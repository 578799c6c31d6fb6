package milter

import (
	"os"
	"strings"
	"testing"
)

// TestPostfixLinesDocumented: the Postfix lines the README and the docs
// give are PostfixMilter's, so the settings the tests run with are the ones
// users copy.
func TestPostfixLinesDocumented(t *testing.T) {
	entry := PostfixMilter("inet:127.0.0.1:8899")
	for _, doc := range []string{"../README.md", "../docs/milter.md", "../docs/config.md"} {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, param := range []string{"smtpd_milters", "non_smtpd_milters"} {
			if want := param + " = " + entry; !strings.Contains(string(b), want) {
				t.Errorf("%s lacks %q", doc, want)
			}
		}
	}
}
