package notify

import (
	"bytes"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	gomail "github.com/emersion/go-message/mail"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/dnsbl"
	"github.com/rblwatch/rblwatch/incident"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/notify")

func goldenPath(name string) string {
	return filepath.Join("..", "testdata", "notify", name+".eml")
}

// wantHeaders is the exact header set of every notice, in order.
var (
	wantHeaders = []string{"From", "To", "Subject", "Date", "Message-Id", "Auto-Submitted", "X-Auto-Response-Suppress",
		"X-Rblwatch-Incident", "X-Rblwatch-Kind", "Content-Language", "Mime-Version", "Content-Type", "Content-Transfer-Encoding"}
	wantHeadersMultipart = []string{"From", "To", "Subject", "Date", "Message-Id", "Auto-Submitted", "X-Auto-Response-Suppress",
		"X-Rblwatch-Incident", "X-Rblwatch-Kind", "Content-Language", "Mime-Version", "Content-Type"}
)

func TestComposeGolden(t *testing.T) {
	for _, tc := range composeCases() {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Compose(tc.notice, tc.cfg, tc.now, tc.msgID)
			if err != nil {
				t.Fatalf("Compose: %v", err)
			}
			again, err := Compose(tc.notice, tc.cfg, tc.now, tc.msgID)
			if err != nil || !bytes.Equal(got, again) {
				t.Fatalf("Compose is not deterministic (err %v)", err)
			}
			path := goldenPath(tc.name)
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("reading golden (run go test ./notify -update): %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("message differs from %s (run go test ./notify -update and review the diff)", path)
			}
			checkMessage(t, tc, want)
		})
	}
}

// checkMessage parses a golden message and checks its wire form, headers
// and decoded content.
func checkMessage(t *testing.T, tc composeCase, raw []byte) {
	t.Helper()
	checkWireForm(t, raw)

	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("net/mail cannot parse the message: %v", err)
	}
	keys := headerKeys(raw)
	want := wantHeaders
	if tc.cfg.HTML {
		want = wantHeadersMultipart
	}
	if len(tc.notice.Thread) > 0 {
		// In-Reply-To and References follow the Message-ID.
		want = slices.Insert(slices.Clone(want), slices.Index(want, "Message-Id")+1, "In-Reply-To", "References")
	}
	if !slices.Equal(keys, want) {
		t.Errorf("headers:\n got %v\nwant %v", keys, want)
	}
	for k, v := range msg.Header {
		if len(v) != 1 {
			t.Errorf("header %s appears %d times", k, len(v))
		}
	}

	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("decoding Subject: %v", err)
	}
	if subject != tc.subject {
		t.Errorf("Subject:\n got %q\nwant %q", subject, tc.subject)
	}
	if got, want := msg.Header.Get("Message-Id"), tc.msgID; got != want {
		t.Errorf("Message-ID %q, want %q", got, want)
	}
	date, err := msg.Header.Date()
	if err != nil || !date.Equal(tc.now.Truncate(time.Second)) {
		t.Errorf("Date %v (%v), want %v", date, err, tc.now)
	}
	from, err := msg.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Address != "rblwatch@mail.example.net" {
		t.Errorf("From %v (%v)", from, err)
	}
	to, err := msg.Header.AddressList("To")
	if err != nil || len(to) != len(tc.cfg.To) || to[0].Address != "postmaster@example.net" {
		t.Errorf("To %v (%v)", to, err)
	}
	if got := msg.Header.Get("Auto-Submitted"); got != "auto-generated" {
		t.Errorf("Auto-Submitted %q", got)
	}
	if got := msg.Header.Get("X-Rblwatch-Kind"); got != string(tc.notice.Kind) {
		t.Errorf("X-Rblwatch-Kind %q", got)
	}
	if got, id := msg.Header.Get("X-Rblwatch-Incident"), tc.notice.Incident.ID; headerSafe(id) && got != id {
		t.Errorf("X-Rblwatch-Incident %q, want %q", got, id)
	}

	text, html := decodeBody(t, msg)
	checkGoMessage(t, tc, raw, text, html)
	for _, w := range tc.want {
		if !strings.Contains(text, w) {
			t.Errorf("text body lacks %q", w)
		}
	}
	for _, w := range tc.wantNot {
		if strings.Contains(text, w) {
			t.Errorf("text body contains %q", w)
		}
	}
	if tc.cfg.HTML && html == "" {
		t.Errorf("no HTML part")
	}
	if !tc.cfg.HTML && html != "" {
		t.Errorf("unexpected HTML part")
	}
	checkHostileText(t, text)
	if html != "" {
		checkHTML(t, tc, html)
	}
}

// checkGoMessage parses the message back with go-message, the library that
// wrote it: the header fields decode to what went in, and the parts to the
// same texts as net/mail and mime/multipart read.
func checkGoMessage(t *testing.T, tc composeCase, raw []byte, text, html string) {
	t.Helper()
	mr, err := gomail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("go-message cannot read the message: %v", err)
	}
	defer mr.Close()
	if subject, err := mr.Header.Subject(); err != nil || subject != tc.subject {
		t.Errorf("go-message Subject %q (%v), want %q", subject, err, tc.subject)
	}
	from, err := mr.Header.AddressList("From")
	if err != nil || len(from) != 1 || *from[0] != tc.cfg.From {
		t.Errorf("go-message From %v (%v), want %v", from, err, tc.cfg.From)
	}
	to, err := mr.Header.AddressList("To")
	if err != nil || len(to) != len(tc.cfg.To) {
		t.Errorf("go-message To %v (%v), want %v", to, err, tc.cfg.To)
	} else {
		for i := range to {
			if *to[i] != tc.cfg.To[i] {
				t.Errorf("go-message To[%d] %v, want %v", i, to[i], tc.cfg.To[i])
			}
		}
	}
	if id, err := mr.Header.MessageID(); err != nil || "<"+id+">" != tc.msgID {
		t.Errorf("go-message Message-ID %q (%v), want %q", id, err, tc.msgID)
	}
	var parts []string
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("go-message: next part: %v", err)
		}
		b, err := io.ReadAll(p.Body)
		if err != nil {
			t.Fatalf("go-message: reading a part: %v", err)
		}
		parts = append(parts, strings.ReplaceAll(string(b), "\r\n", "\n"))
	}
	want := []string{text}
	if html != "" {
		want = append(want, html)
	}
	if !slices.Equal(parts, want) {
		t.Errorf("go-message reads %d parts that differ from net/mail's %d", len(parts), len(want))
	}
}

// checkWireForm: 7-bit, CRLF line ends only, no line over 78 characters.
func checkWireForm(t *testing.T, raw []byte) {
	t.Helper()
	if !bytes.HasSuffix(raw, []byte("\r\n")) {
		t.Errorf("message does not end with CRLF")
	}
	for i, line := range bytes.Split(bytes.TrimSuffix(raw, []byte("\r\n")), []byte("\r\n")) {
		if len(line) > 78 {
			t.Errorf("line %d is %d characters long: %.80q", i+1, len(line), line)
		}
		for _, c := range line {
			if c == '\r' || c == '\n' {
				t.Errorf("line %d has a bare CR or LF: %q", i+1, line)
				break
			}
			if c >= 0x80 || (c < 0x20 && c != '\t') {
				t.Errorf("line %d has a non-ASCII or control byte %#x", i+1, c)
				break
			}
		}
	}
}

// headerKeys lists the header field names in order, as written.
func headerKeys(raw []byte) []string {
	head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	var keys []string
	for _, line := range strings.Split(string(head), "\r\n") {
		if line == "" || line[0] == ' ' || line[0] == '\t' {
			continue
		}
		name, _, _ := strings.Cut(line, ":")
		keys = append(keys, textproto.CanonicalMIMEHeaderKey(name))
	}
	return keys
}

// readComposed parses a composed message and returns its decoded Subject
// and its text and HTML parts.
func readComposed(t *testing.T, raw []byte) (subject, text, html string) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	subject, err = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	text, html = decodeBody(t, m)
	return subject, text, html
}

// decodeBody returns the decoded text and HTML parts; both must be valid
// UTF-8.
func decodeBody(t *testing.T, msg *mail.Message) (text, html string) {
	t.Helper()
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type: %v", err)
	}
	if mt == "text/plain" {
		if params["charset"] != "UTF-8" {
			t.Errorf("charset %q", params["charset"])
		}
		return decodePart(t, msg.Header.Get("Content-Transfer-Encoding"), msg.Body), ""
	}
	if mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q", mt)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var types []string
	for {
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("multipart: %v", err)
		}
		pt, pp, err := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if err != nil || pp["charset"] != "UTF-8" {
			t.Fatalf("part Content-Type %q: %v", p.Header.Get("Content-Type"), err)
		}
		types = append(types, pt)
		s := decodePart(t, p.Header.Get("Content-Transfer-Encoding"), p)
		switch pt {
		case "text/plain":
			text = s
		case "text/html":
			html = s
		}
	}
	if !slices.Equal(types, []string{"text/plain", "text/html"}) {
		t.Errorf("parts %v, want text/plain then text/html", types)
	}
	return text, html
}

func decodePart(t *testing.T, cte string, r io.Reader) string {
	t.Helper()
	var dr io.Reader
	switch cte {
	case "quoted-printable":
		dr = quotedprintable.NewReader(r)
	case "base64":
		dr = base64.NewDecoder(base64.StdEncoding, r)
	default:
		t.Fatalf("Content-Transfer-Encoding %q", cte)
	}
	b, err := io.ReadAll(dr)
	if err != nil {
		t.Fatalf("decoding %s: %v", cte, err)
	}
	if !utf8.Valid(b) {
		t.Errorf("decoded body is not valid UTF-8")
	}
	// The decoded text uses CRLF line ends; compare with LF.
	s := strings.ReplaceAll(string(b), "\r\n", "\n")
	return s
}

// checkHostileText: whatever the input, the decoded text has no stray CR, no
// line that looks like an injected header, and no line longer than the
// sanitiser allows.
func checkHostileText(t *testing.T, text string) {
	t.Helper()
	if strings.ContainsRune(text, '\r') {
		t.Errorf("decoded text has a bare CR")
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "Bcc:") || strings.HasPrefix(line, "X-Injected:") {
			t.Errorf("injected line in body: %q", line)
		}
		if n := utf8.RuneCountInString(line); n > maxSample+16 {
			t.Errorf("body line of %d runes", n)
		}
		for _, r := range line {
			if r < 0x20 && r != '\t' || r == 0x7f || r == '\u202e' {
				t.Errorf("control character %U in body line %.60q", r, line)
				break
			}
		}
	}
}

// checkHTML: html/template escaped the hostile text, and the only links are
// the catalog's.
func checkHTML(t *testing.T, tc composeCase, html string) {
	t.Helper()
	for _, bad := range []string{"<script", "<img", "<b>", "javascript:", "evil.example/\">"} {
		if strings.Contains(html, bad) {
			t.Errorf("HTML contains %q", bad)
		}
	}
	var hrefs []string
	for rest := html; ; {
		i := strings.Index(rest, `<a href="`)
		if i < 0 {
			break
		}
		rest = rest[i+len(`<a href="`):]
		end := strings.IndexByte(rest, '"')
		hrefs = append(hrefs, rest[:end])
		rest = rest[end:]
	}
	var allowed []string
	if p := tc.notice.Provider; p != nil {
		for _, u := range []string{p.LookupURL, p.RemovalURL} {
			allowed = append(allowed, strings.ReplaceAll(u, "{ip}", "192.0.2.1"))
		}
	}
	for _, h := range hrefs {
		h = strings.ReplaceAll(h, "&amp;", "&")
		h = strings.ReplaceAll(h, "%3c", "<")
		h = strings.ReplaceAll(h, "%3e", ">")
		h = strings.ReplaceAll(h, "%22", "\"")
		if !slices.Contains(allowed, h) {
			t.Errorf("HTML links to %q, not a catalog link", h)
		}
	}
	if len(hrefs) == 0 {
		t.Errorf("HTML has no link")
	}
}

func TestComposeErrors(t *testing.T) {
	base := Notice{Kind: KindOpened, Incident: spamhausIncident(), Provider: spamhausFixture(), Lang: "en"}
	cfg := testConfig()
	tests := []struct {
		name  string
		edit  func(n *Notice, c *Config, id *string)
		want  error
		wants string
	}{
		{"message-id with CRLF", func(n *Notice, c *Config, id *string) { *id = "<a@b>\r\nBcc: x@y" }, ErrMessageID, ""},
		{"message-id without @", func(n *Notice, c *Config, id *string) { *id = "<ab>" }, ErrMessageID, ""},
		{"empty message-id", func(n *Notice, c *Config, id *string) { *id = "" }, ErrMessageID, ""},
		{"no recipient", func(n *Notice, c *Config, id *string) { c.To = nil }, ErrConfig, ""},
		{"bad from", func(n *Notice, c *Config, id *string) { c.From = mail.Address{Address: "not an address"} }, ErrConfig, ""},
		{"no from", func(n *Notice, c *Config, id *string) { c.From = mail.Address{} }, ErrConfig, ""},
		{"from with CRLF", func(n *Notice, c *Config, id *string) { c.From = mail.Address{Address: "a@b.example\r\nBcc: x@y"} }, ErrConfig, ""},
		{"name with CRLF", func(n *Notice, c *Config, id *string) {
			c.To = []mail.Address{{Name: "Ops\r\nBcc: x@y", Address: "ops@example.net"}}
		}, ErrConfig, ""},
		{"non-ASCII address", func(n *Notice, c *Config, id *string) { c.To = []mail.Address{{Address: "ポスト@example.jp"}} }, ErrConfig, ""},
		{"name with a bidi override", func(n *Notice, c *Config, id *string) {
			c.To = []mail.Address{{Name: "Ops \u202etxt.exe", Address: "ops@example.net"}}
		}, ErrConfig, ""},
		{"from name with a terminal escape", func(n *Notice, c *Config, id *string) {
			c.From = mail.Address{Name: "a\x1b[2J", Address: "rblwatch@example.net"}
		}, ErrConfig, ""},
		{"unknown language", func(n *Notice, c *Config, id *string) { n.Lang = "fr" }, ErrLang, ""},
		{"unknown kind", func(n *Notice, c *Config, id *string) { n.Kind = "exploded" }, ErrKind, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, c, id := base, cfg, "<x@mail.example.net>"
			c.To = slices.Clone(cfg.To)
			tc.edit(&n, &c, &id)
			_, err := Compose(n, c, t0, id)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
		})
	}
}

func TestValidTarget(t *testing.T) {
	tests := []struct {
		in     string
		want   string
		isIP   bool
		wantOK bool
	}{
		{"192.0.2.1", "192.0.2.1", true, true},
		{"2001:db8::1", "2001:db8::1", true, true},
		{"::ffff:192.0.2.1", "192.0.2.1", true, true},
		{"Example.COM.", "example.com", false, true},
		{"mail-1.example.net", "mail-1.example.net", false, true},
		{"x.x.x.x", "", false, false}, // masks, as bounce collections write them
		{"xxx.xxx.xxx.xxx", "", false, false},
		{"192.0.2.1\r\nBcc: v@x", "", false, false},
		{"localhost", "", false, false},
		{"1.2.3.999", "", false, false},
		{"-bad.example", "", false, false},
		{"fe80::1%eth0", "", false, false},
		{"", "", false, false},
		{"a b.example", "", false, false},
	}
	for _, tc := range tests {
		got, isIP, ok := validTarget(tc.in)
		if got != tc.want || isIP != tc.isIP || ok != tc.wantOK {
			t.Errorf("validTarget(%q) = %q, %v, %v; want %q, %v, %v", tc.in, got, isIP, ok, tc.want, tc.isIP, tc.wantOK)
		}
	}
}

// TestComposeLongSubject: go-message folds a long subject, in English and
// in Japanese, within 78 characters a line, and it decodes back whole.
func TestComposeLongSubject(t *testing.T) {
	for _, lang := range Langs {
		p := spamhausFixture()
		p.Name = "Long Provider " + strings.Repeat("プロバイダー名", 7)
		n := Notice{Kind: KindOpened, Incident: spamhausIncident(), Provider: p, Lang: lang, Host: "mail.example.net"}
		msg, err := Compose(n, testConfig(), t0, "<long@mail.example.net>")
		if err != nil {
			t.Fatal(err)
		}
		checkWireForm(t, msg)
		m, err := mail.ReadMessage(bytes.NewReader(msg))
		if err != nil {
			t.Fatal(err)
		}
		subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
		if err != nil || !strings.Contains(subject, strings.TrimSpace(p.Name)) {
			t.Errorf("%s: subject %q (%v)", lang, subject, err)
		}
	}
}

func TestMessageIDStable(t *testing.T) {
	n := Notice{Kind: KindOpened, Incident: spamhausIncident()}
	a := MessageID(n, t0, "mail.example.net")
	if b := MessageID(n, t0, "mail.example.net"); a != b {
		t.Errorf("MessageID not stable: %s, %s", a, b)
	}
	if _, err := normalizeMessageID(a); err != nil {
		t.Errorf("MessageID %q is not valid: %v", a, err)
	}
	n2 := n
	n2.Kind = KindCleared
	if MessageID(n2, t0, "mail.example.net") == a {
		t.Errorf("MessageID ignores the kind")
	}
	if got := MessageID(n, t0, "bad host\r\n"); !strings.HasSuffix(got, "@rblwatch.invalid>") {
		t.Errorf("MessageID with a bad host: %q", got)
	}
}

func TestProviderLinks(t *testing.T) {
	tests := []struct {
		name             string
		lookup, removal  string
		target           string
		wantLook, wantRm string
	}{
		{"ip filled", "https://check.example/?q={ip}", "https://check.example/remove", "192.0.2.1", "https://check.example/?q=192.0.2.1", "https://check.example/remove"},
		{"domain in path", "https://check.example/domain/{domain}", "", "example.net", "https://check.example/domain/example.net", ""},
		{"no target: links needing one are left out", "https://check.example/?q={ip}", "https://check.example/remove", "", "", "https://check.example/remove"},
		{"javascript refused", "javascript:alert(1)//{ip}", "data:text/html,hi", "192.0.2.1", "", ""},
		{"relative refused", "/lookup?ip={ip}", "ftp://example.net/", "192.0.2.1", "", ""},
		{"space refused", "https://check.example/a b", "", "192.0.2.1", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &classify.Provider{LookupURL: tc.lookup, RemovalURL: tc.removal}
			look, rm := providerLinks(p, tc.target)
			if look != tc.wantLook || rm != tc.wantRm {
				t.Errorf("got %q, %q; want %q, %q", look, rm, tc.wantLook, tc.wantRm)
			}
		})
	}
}

// TestComposeCatalog renders every notice kind for every provider of the
// embedded catalog in both languages: whatever the catalog's texts hold,
// the message is well formed.
func TestComposeCatalog(t *testing.T) {
	cat := classify.Default()
	for pi, p := range cat.Providers() {
		// A listed answer of each zone, as the DNS check reports it.
		var checks []Check
		for _, z := range p.Zones {
			for _, c := range z.Codes {
				if c.Status == "" || c.Status == "listed" {
					checks = append(checks, Check{Zone: z.Name, Status: CheckListed, Meaning: c.Meaning, MeaningJa: c.MeaningJa, Lists: []string{c.List}})
					break
				}
			}
		}
		for _, lang := range Langs {
			for ki, kind := range Kinds {
				if kind == KindResolver {
					continue // about the resolver, not a provider: see the resolver goldens
				}
				inc := spamhausIncident()
				inc.Provider = p.ID
				inc.ClearedAt = inc.LastSeen.Add(time.Hour)
				inc.ClearedBy = []string{"delivered", "quiet"}[pi%2]
				role := classify.Roles[(pi+ki)%len(classify.Roles)]
				n := Notice{Kind: kind, Incident: inc, Provider: p, Checks: checks, Role: role, Lang: lang, Host: "mail.example.net"}
				if kind == KindBacklog {
					// The provider's incident, over inside a backlog.
					inc.Status = incident.Cleared
					n = Notice{Kind: kind, Incident: incident.Incident{ID: "backlog-1"}, Role: role, Lang: lang, Host: "mail.example.net",
						Backlog: &Backlog{From: t0.Add(-time.Hour), Until: t0.Add(time.Hour), Incidents: []Related{{Incident: inc, Provider: p}}}}
				}
				cfg := testConfig()
				cfg.HTML = true
				msg, err := Compose(n, cfg, t0.Add(2*time.Hour), "<c@mail.example.net>")
				if err != nil {
					t.Fatalf("%s/%s/%s: %v", p.ID, lang, kind, err)
				}
				checkWireForm(t, msg)
				m, err := mail.ReadMessage(bytes.NewReader(msg))
				if err != nil {
					t.Fatalf("%s/%s/%s: %v", p.ID, lang, kind, err)
				}
				if keys := headerKeys(msg); !slices.Equal(keys, wantHeadersMultipart) {
					t.Errorf("%s/%s/%s: headers %v", p.ID, lang, kind, keys)
				}
				text, html := decodeBody(t, m)
				checkHostileText(t, text)
				name := p.Name
				if p.ID == classify.Unknown {
					// no list named: the notice's own words for it, in
					// its language (TestUnnamedListInLanguage)
					name = map[string]string{"en": "a blocklist the receiver did not name", "ja": "受信側が名前を示していないブロックリスト"}[lang]
					if kind == KindBacklog {
						name = unnamedList[lang] // a list of incidents' names
					}
				}
				if name != "" && !strings.Contains(text, name) {
					t.Errorf("%s/%s/%s: body does not name the provider (%q)", p.ID, lang, kind, name)
				}
				if html == "" {
					t.Errorf("%s/%s/%s: no HTML", p.ID, lang, kind)
				}
				if lang == "ja" {
					checkJapanese(t, fmt.Sprintf("%s/%s/%s", p.ID, kind, role), text, p.Name)
				}
			}
		}
	}
}

// quoted is text quoted in 「」 (a reply as the receiver wrote it);
// properNames are names that stay as they are in Japanese.
var (
	quoted      = regexp.MustCompile(`「[^」]*」`)
	properNames = []string{"Spam and Open Relay Blocking System"}
)

// englishRun is four or more English words in a row.
var englishRun = regexp.MustCompile(`[A-Za-z][a-z]+(?:[ ,]+[A-Za-z][a-z]+){3,}`)

// checkJapanese: a Japanese notice uses the one set of terms (返送 for a
// bounce, 遅延 for a deferral) and has no English sentence fragment outside
// what is quoted (replies, log lines), links and the provider's name.
func checkJapanese(t *testing.T, what, text, name string) {
	t.Helper()
	for _, old := range []string{"差し戻", "保留"} {
		if strings.Contains(text, old) {
			t.Errorf("%s: %q, not the terms of the report and explain", what, old)
		}
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "応答: ") || strings.HasPrefix(line, "  ") {
			continue // quoted remote text and log lines
		}
		line = quoted.ReplaceAllString(line, "「」")
		for _, proper := range append([]string{name}, properNames...) {
			line = strings.ReplaceAll(line, proper, "")
		}
		for _, f := range strings.Fields(line) {
			if strings.Contains(f, "://") {
				line = strings.ReplaceAll(line, f, "")
			}
		}
		if m := englishRun.FindString(line); m != "" {
			t.Errorf("%s: English in Japanese text: %q in %q", what, m, line)
		}
	}
}

// TestOutboxKeys: the outbox's key schemes — DedupKey per notice and
// channel, SenderKey per refused message — and KindOf's refusal of an
// unknown event kind.
func TestOutboxKeys(t *testing.T) {
	inc := spamhausIncident()
	inc.Notices = 2
	self := incident.Incident{Key: incident.Key{Provider: "spamhaus", Listed: "192.0.2.1"}, FirstSeen: t0}
	sender := SenderNotice{Sender: "Alice@Example.NET", Recipient: "bob@example.com", QueueID: "3F2A1B0C9D", Sent: t0}
	otherRcpt := sender
	otherRcpt.Recipient, otherRcpt.At = "carol@example.org", t0.Add(time.Hour)
	unknownSent := sender
	unknownSent.Sent = time.Time{}
	for _, tt := range []struct{ got, want string }{
		{DedupKey(Notice{Kind: KindDigest, Incident: inc}, "email"), "incident/spamhaus-192.0.2.1-20260314T092603Z/digest/2/email"},
		{DedupKey(Notice{Kind: KindOpened, Incident: inc}, "webhook"), "incident/spamhaus-192.0.2.1-20260314T092603Z/opened/webhook"},
		{DedupKey(Notice{Kind: KindListed, Incident: self}, "email"), fmt.Sprintf("self/spamhaus/192.0.2.1/listed/%d/email", t0.Unix())},
		{SenderKey(sender), fmt.Sprintf("sender/3F2A1B0C9D/%d/alice@example.net", t0.Unix())},
		{SenderKey(otherRcpt), SenderKey(sender)}, // one message, one notice
		{SenderKey(unknownSent), "sender/3F2A1B0C9D//alice@example.net"},
	} {
		if tt.got != tt.want {
			t.Errorf("key %q, want %q", tt.got, tt.want)
		}
	}
	if _, err := KindOf("exploded"); !errors.Is(err, ErrKind) {
		t.Errorf("unknown event kind: err %v", err)
	}
}

// TestThreadedSequence: the goldens of one incident's notices — opened,
// digest, cleared — carry the headers a mail client threads them by: each
// follow-up's In-Reply-To is the notice before it, and References lists the
// thread from its root, the opened notice.
func TestThreadedSequence(t *testing.T) {
	type ids struct{ id, inReplyTo, references string }
	var got []ids
	for _, name := range []string{"opened_en", "digest_en", "cleared_en"} {
		raw, err := os.ReadFile(goldenPath(name))
		if err != nil {
			t.Fatal(err)
		}
		mr, err := gomail.CreateReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		id, err := mr.Header.MessageID()
		if err != nil {
			t.Fatalf("%s: Message-ID: %v", name, err)
		}
		irt, err1 := mr.Header.MsgIDList("In-Reply-To")
		refs, err2 := mr.Header.MsgIDList("References")
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %v %v", name, err1, err2)
		}
		got = append(got, ids{id, strings.Join(irt, " "), strings.Join(refs, " ")})
		mr.Close()
	}
	want := []ids{
		{"rblwatch.1@mail.example.net", "", ""},
		{"rblwatch.3@mail.example.net", "rblwatch.1@mail.example.net", "rblwatch.1@mail.example.net"},
		{"rblwatch.5@mail.example.net", "rblwatch.3@mail.example.net", "rblwatch.1@mail.example.net rblwatch.3@mail.example.net"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("thread headers:\n got %q\nwant %q", got, want)
	}
}

// TestReferences: a thread's identifiers are validated, its own left out,
// duplicates dropped, and a long thread keeps its root and latest notices.
func TestReferences(t *testing.T) {
	var long []string
	for i := range 30 {
		long = append(long, fmt.Sprintf("<n%d@mail.example.net>", i))
	}
	tests := []struct {
		thread []string
		want   []string
	}{
		{nil, nil},
		{[]string{"<a@x.example>", "b@x.example", "<a@x.example>", "<bad\r\nBcc: v@x>", "<self@x.example>"}, []string{"a@x.example", "b@x.example"}},
		{long, append([]string{"n0@mail.example.net"}, func() []string {
			var s []string
			for i := 21; i < 30; i++ {
				s = append(s, fmt.Sprintf("n%d@mail.example.net", i))
			}
			return s
		}()...)},
	}
	for _, tc := range tests {
		if got := references(tc.thread, "<self@x.example>"); !slices.Equal(got, tc.want) {
			t.Errorf("references(%q) = %q, want %q", tc.thread, got, tc.want)
		}
	}
}

// TestMessageIDStableAcrossThread: a notice's Message-ID depends on the
// incident, the kind and the time only, so the daemon can store it as the
// thread's root and compose a follow-up's References from it.
func TestMessageIDStableAcrossThread(t *testing.T) {
	n := Notice{Kind: KindOpened, Incident: spamhausIncident()}
	a := MessageID(n, t0, "mail.example.net")
	n.Related = []Related{{Incident: spamhausIncident()}}
	n.Thread = []string{"<x@y.example>"}
	n.Lang = "ja"
	if b := MessageID(n, t0, "mail.example.net"); a != b {
		t.Errorf("MessageID changed with Related, Thread or Lang: %s, %s", a, b)
	}
}

// TestCheckOfDeadZone: a zone that fails its RFC 5782 test point (a dead
// or mistyped zone) is a check that could not be made, with a failure of
// its own kind, worded in Japanese as what it is rather than "unknown".
func TestCheckOfDeadZone(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want Failure
	}{
		{fmt.Errorf("%w: 127.0.0.2 is not listed", dnsbl.ErrUnhealthy), FailureDeadZone},
		{fmt.Errorf("test point 127.0.0.2: %w", dnsbl.ErrTimeout), FailureDNS},
		{fmt.Errorf("test point 127.0.0.2: %w: 127.255.255.254", dnsbl.ErrRefused), FailureRefused},
		{dnsbl.ErrNoKey, FailureNoKey},
		{errors.New("something else"), FailureOther},
	} {
		c := CheckOf(dnsbl.Result{Zone: "b.barracudacentral.org", Status: dnsbl.StatusError, Err: tt.err, Reason: tt.err.Error()})
		if c.Status != CheckError || c.Failure != tt.want {
			t.Errorf("CheckOf(%v) = %s/%s, want error/%s", tt.err, c.Status, c.Failure, tt.want)
		}
	}
	dead := CheckOf(dnsbl.Result{Zone: "b.barracudacentral.org", Status: dnsbl.StatusError, Err: dnsbl.ErrUnhealthy, Reason: dnsbl.ErrUnhealthy.Error()})
	inc := incident.Incident{ID: "barracuda-192.0.2.1-x", Key: incident.Key{Provider: "barracuda", Listed: "192.0.2.1"}, Status: incident.Ongoing, FirstSeen: t0, LastSeen: t0}
	for lang, want := range map[string]string{
		"en": "b.barracudacentral.org: could not be checked (dnsbl: could not tell: the zone fails its RFC 5782 test point).",
		"ja": "b.barracudacentral.org: 確認できませんでした（リストが RFC 5782 のテスト用アドレス（127.0.0.2）に正しく応答しません。",
	} {
		n := Notice{Kind: KindOpened, Incident: inc, Provider: barracudaFixture(), Checks: []Check{dead}, Lang: lang, Host: "mail.example.net"}
		msg, err := Compose(n, testConfig(), t0, "<d@mail.example.net>")
		if err != nil {
			t.Fatal(err)
		}
		m, err := mail.ReadMessage(bytes.NewReader(msg))
		if err != nil {
			t.Fatal(err)
		}
		if text, _ := decodeBody(t, m); !strings.Contains(strings.ReplaceAll(text, "\r\n", "\n"), want) {
			t.Errorf("%s: the body lacks %q:\n%s", lang, want, text)
		}
	}
}

// TestParseMessageID: a Message-ID made by MessageID reads back (the
// daemon finds its own notices in the Postfix log this way); one made for
// another host, or of another form, does not.
func TestParseMessageID(t *testing.T) {
	n := Notice{Kind: KindDigest, Incident: spamhausIncident()}
	mid := MessageID(n, t0, "Mail.Example.NET")
	tag := NoticeTag(n.Incident.Provider, n.Incident.Listed)
	for _, tt := range []struct {
		name, id, host string
		ok             bool
	}{
		{"ours", mid, "mail.example.net", true},
		{"ours without brackets", strings.Trim(mid, "<>"), "mail.example.net", true},
		{"another host", mid, "mx2.example.net", false},
		{"a bad host falls back as MessageID does", MessageID(n, t0, "bad host"), "bad host", true},
		{"another sender's", "<20261206.abc@mail.example.net>", "mail.example.net", false},
		{"unknown kind", "<rblwatch." + tag + ".party.1@mail.example.net>", "mail.example.net", false},
		{"short tag", "<rblwatch.abc.opened.1@mail.example.net>", "mail.example.net", false},
		{"not hex", "<rblwatch.zzzzzzzzzzzzzzzz.opened.1@mail.example.net>", "mail.example.net", false},
		{"no time", "<rblwatch." + tag + ".opened.x@mail.example.net>", "mail.example.net", false},
		{"sender notice", "<sender.0123456789abcdef@mail.example.net>", "mail.example.net", false},
	} {
		own, ok := ParseMessageID(tt.id, tt.host)
		if ok != tt.ok {
			t.Errorf("%s: ParseMessageID(%q) ok %v, want %v", tt.name, tt.id, ok, tt.ok)
			continue
		}
		if ok && tt.name == "ours" && (own.Tag != tag || own.Kind != KindDigest || !own.At.Equal(t0)) {
			t.Errorf("%s: %+v, want tag %s, digest, %v", tt.name, own, tag, t0)
		}
	}
	// The tag names the provider and address, not the incident: an
	// incident read back with another first-seen time has the same.
	other := n
	other.Incident.ID = "another-id"
	if got, _ := ParseMessageID(MessageID(other, t0, "mail.example.net"), "mail.example.net"); got.Tag != tag {
		t.Errorf("the tag depends on the incident ID: %s, want %s", got.Tag, tag)
	}
}

// TestRoleNoteNoRemoval: an operator's notice about a provider that takes no
// removal request (the catalog's self_service: false) does not tell it to
// file the removal itself; one about a provider that does, does.
func TestRoleNoteNoRemoval(t *testing.T) {
	fileIt := map[string]string{"en": "you file the removal yourself", "ja": "解除申請はご自身で行います"}
	cat := classify.Default()
	for _, id := range []string{"docomo", "spamcop", "spamhaus"} {
		p := cat.Provider(id)
		if p == nil {
			t.Fatalf("no provider %s in the catalog", id)
		}
		for _, lang := range Langs {
			inc := spamhausIncident()
			inc.Provider = id
			n := Notice{Kind: KindOpened, Incident: inc, Provider: p, Role: classify.RoleOperator, Lang: lang, Host: "mail.example.net"}
			msg, err := Compose(n, testConfig(), t0.Add(time.Hour), "<c@mail.example.net>")
			if err != nil {
				t.Fatal(err)
			}
			_, text, _ := readComposed(t, msg)
			if says := strings.Contains(text, fileIt[lang]); says == (p.HowRemoved() != classify.RemovalForm) {
				t.Errorf("%s %s (self_service %v): the operator is told to file a removal: %v\n%s", id, lang, p.SelfService, says, text)
			}
		}
	}
}

// TestComposeUnknownSender: a message whose sender the log did not name
// (its queue line was not read: before the log read back, or never
// written) is listed as from an unknown sender, not as from <> — the null
// sender, which says the message was a bounce; a null sender the log named
// stays <>.
func TestComposeUnknownSender(t *testing.T) {
	for _, tc := range []struct {
		lang          string
		unknown, null string
	}{
		{"en", "7D41A2B9F0 from an unknown sender to", "91C0FF3E12 from <> to"},
		{"ja", "7D41A2B9F0 差出人 不明 宛先", "91C0FF3E12 差出人 <> 宛先"},
	} {
		inc := spamhausIncident()
		inc.Status, inc.ClearedAt, inc.ClearedBy = incident.Cleared, t0.Add(4*time.Hour), "delivered"
		inc.Messages = slices.Clone(inc.Messages)
		inc.Messages[1].From, inc.Messages[1].FromKnown = "", false
		n := Notice{Kind: KindCleared, Incident: inc, Provider: spamhausFixture(), Lang: tc.lang, Host: "mail.example.net"}
		msg, err := Compose(n, testConfig(), t0, "<u@mail.example.net>")
		if err != nil {
			t.Fatal(err)
		}
		m, err := mail.ReadMessage(bytes.NewReader(msg))
		if err != nil {
			t.Fatal(err)
		}
		text, _ := decodeBody(t, m)
		if !strings.Contains(text, tc.unknown) || !strings.Contains(text, tc.null) || strings.Contains(text, "7D41A2B9F0 from <>") || strings.Contains(text, "7D41A2B9F0 差出人 <>") {
			t.Errorf("%s: want %q and %q in the body:\n%s", tc.lang, tc.unknown, tc.null, text)
		}
	}
}
