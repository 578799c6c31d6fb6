package config

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/postfixlog"
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

// TestDocumentedJournalFormats: every journalctl output mode the
// documentation suggests for a pipe into rblwatch (-o MODE) prints lines
// the parser reads: a line in that mode, as journalctl 252 prints a
// Postfix line, parses with its time and service. docs/config.md once
// suggested -o cat, which drops the syslog prefix: every line unparsed.
func TestDocumentedJournalFormats(t *testing.T) {
	const msg = "mail postfix/smtp[23817]: 8F770984C2E: to=<frank@uni.test>, relay=mx.uni.test[127.0.0.15]:25, delay=0.01, delays=0/0/0/0.01, dsn=5.0.0, status=bounced (host mx.uni.test[127.0.0.15] said: 554 5.7.1 Service unavailable (in reply to RCPT TO command))"
	lines := map[string]string{ // journalctl -o MODE
		"short":             "Dec 06 09:51:04 " + msg,
		"short-iso":         "2026-12-06T09:51:04+0000 " + msg,
		"short-precise":     "Dec 06 09:51:04.123456 " + msg,
		"short-iso-precise": "2026-12-06T09:51:04.123456+0000 " + msg,
		"cat":               "8F770984C2E: to=<frank@uni.test>, relay=mx.uni.test[127.0.0.15]:25, delay=0.01, delays=0/0/0/0.01, dsn=5.0.0, status=bounced (host mx.uni.test[127.0.0.15] said: 554 5.7.1 Service unavailable (in reply to RCPT TO command))",
	}
	mode := regexp.MustCompile("journalctl [^`]*?-o ([a-z-]+)")
	n := 0
	for _, doc := range []string{"../README.md", "../docs/config.md"} {
		data, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range mode.FindAllStringSubmatch(string(data), -1) {
			n++
			line, ok := lines[m[1]]
			if !ok {
				t.Errorf("%s suggests journalctl -o %s: add a line of that mode to this test", doc, m[1])
				continue
			}
			var r postfixlog.Record
			p := postfixlog.NewParser(time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC), time.UTC)
			if err := p.Parse(line, &r); err != nil || r.Time.IsZero() || r.Service != "smtp" {
				t.Errorf("%s suggests journalctl -o %s, whose lines rblwatch cannot read (%v): %s", doc, m[1], err, line)
			}
		}
	}
	if n == 0 {
		t.Error("the documentation suggests no journalctl output mode: the test reads nothing")
	}
}
