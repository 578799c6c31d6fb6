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

// TestUnixSocketSetupDocumented: docs/milter.md gives the unix-socket setup
// that e2e's TestMilterUnixSocketChrooted runs — the directory command, the
// main.cf lines and rblwatch's listen line.
func TestUnixSocketSetupDocumented(t *testing.T) {
	b, err := os.ReadFile("../docs/milter.md")
	if err != nil {
		t.Fatal(err)
	}
	entry := PostfixMilter("unix:" + PostfixUnixSocket)
	for _, want := range []string{
		strings.Join(PostfixSocketDir("rblwatch", "/var/spool/postfix"), " "),
		"smtpd_milters = " + entry,
		"non_smtpd_milters = " + entry,
		"  listen: unix:/var/spool/postfix/" + PostfixUnixSocket + "\n",
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("docs/milter.md lacks %q", want)
		}
	}
}
