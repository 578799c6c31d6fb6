package config

import (
	"net/mail"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
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

// TestDocumentedKeysExist: every key docs/config.md documents ("### `key`")
// is a key of the file (an obsolete one included: it is documented as
// such), so the reference names nothing the decoder would call unknown.
// TestDocsCoverEveryKey checks the other way.
func TestDocumentedKeysExist(t *testing.T) {
	doc, err := os.ReadFile("../docs/config.md")
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	var walk func(reflect.Type, string)
	walk = func(typ reflect.Type, parent string) {
		for _, f := range fields(typ) {
			path := joinKey(parent, f.name)
			all = append(all, path)
			ft := typ.Field(f.index).Type
			if ft.Kind() == reflect.Struct && ft != addrType && ft != journaldType && ft != mailboxType {
				walk(ft, path)
			}
		}
	}
	walk(reflect.TypeFor[Config](), "")
	heading := regexp.MustCompile("(?m)^### `([^`]+)`")
	found := heading.FindAllStringSubmatch(string(doc), -1)
	if len(found) < 40 {
		t.Fatalf("docs/config.md documents %d keys: the headings changed form?", len(found))
	}
	for _, m := range found {
		if !slices.Contains(all, m[1]) {
			t.Errorf("docs/config.md documents `%s`, which is no key of the configuration", m[1])
		}
	}
}

// changeEach returns, for every leaf key of the configuration, a copy of
// base with that key's value changed (the key path → the copy).
func changeEach(t *testing.T, base *Config) map[string]*Config {
	t.Helper()
	out := map[string]*Config{}
	var walk func(typ reflect.Type, parent string, at []int)
	walk = func(typ reflect.Type, parent string, at []int) {
		for _, f := range current(fields(typ)) {
			path := joinKey(parent, f.name)
			idx := append(slices.Clone(at), f.index)
			ft := typ.Field(f.index).Type
			if ft.Kind() == reflect.Struct && ft != addrType && ft != journaldType && ft != mailboxType {
				walk(ft, path, idx)
				continue
			}
			c := base.Clone()
			v := reflect.ValueOf(c).Elem().FieldByIndex(idx)
			switch {
			case ft == journaldType:
				v.Set(reflect.ValueOf(Journald{Enabled: true, Units: []string{"postfix@-.service"}}))
			case ft == mailboxType:
				v.Set(reflect.ValueOf(mail.Address{Address: "other@example.com"}))
			case ft == reflect.TypeFor[time.Duration]():
				v.SetInt(v.Int() + int64(time.Second))
			case ft.Kind() == reflect.String:
				v.SetString(v.String() + "x")
			case ft.Kind() == reflect.Bool:
				v.SetBool(!v.Bool())
			case ft.Kind() == reflect.Int:
				v.SetInt(v.Int() + 1)
			case ft.Kind() == reflect.Slice:
				v.Set(reflect.Append(v, reflect.New(ft.Elem()).Elem()))
			default:
				t.Fatalf("changeEach: %s has a type it cannot change (%s)", path, ft)
			}
			out[path] = c
		}
	}
	walk(reflect.TypeFor[Config](), "", nil)
	return out
}

// TestReloadingDocumented: the keys docs/config.md's "Reloading" section
// says need a restart are exactly those whose change RestartNeeded
// reports; every other key applies at a reload, as it says.
func TestReloadingDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/config.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(doc), "\n## Reloading\n")
	if !ok {
		t.Fatal("docs/config.md has no Reloading section")
	}
	// The keys named before "need a restart".
	section, _, ok = strings.Cut(section, "need a restart")
	if !ok {
		t.Fatal("docs/config.md's Reloading section names no key that needs a restart")
	}
	changed := changeEach(t, Default())
	var documented []string
	for _, m := range regexp.MustCompile("`([a-z_.]+)`( keys)?").FindAllStringSubmatch(section, -1) {
		if _, isKey := changed[m[1]]; isKey && m[2] == "" {
			documented = append(documented, m[1])
			continue
		}
		if m[2] != "" { // "the `milter` keys"
			for k := range changed {
				if strings.HasPrefix(k, m[1]+".") {
					documented = append(documented, k)
				}
			}
		}
	}
	slices.Sort(documented)
	var restart []string
	for key, c := range changed {
		got := c.RestartNeeded(Default())
		switch {
		case len(got) == 0:
		case slices.Equal(got, []string{key}):
			restart = append(restart, key)
		default:
			t.Errorf("changing %s: RestartNeeded = %q", key, got)
		}
	}
	slices.Sort(restart)
	if !slices.Equal(documented, restart) {
		t.Errorf("docs/config.md says these keys need a restart:\n  %q\nRestartNeeded reports:\n  %q", documented, restart)
	}
}
