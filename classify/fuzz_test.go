package classify

import (
	"bufio"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rblwatch/rblwatch/postfixlog"
)

// fuzzSeeds are a few shapes worth mutating even without the corpus.
var fuzzSeeds = []string{
	"550 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.1",
	"554 5.7.1 Service unavailable; Sender address [a@example.com] blocked using dbl.spamhaus.org; https://www.spamhaus.org/query/domain/example.com",
	"421-4.7.28 [2001:db8::1 4] Our system has detected an unusual rate of 421-4.7.28 unsolicited mail 421 4.7.28 - gsmtp",
	"Dec  9 10:18:24 mail postfix/smtp[20056]: 1310930001DB: to=<a@example.com>, relay=mx.example.com[192.0.2.1]:25, delay=0.22, delays=0.02/0.08/0.09/0.03, dsn=5.7.1, status=bounced (host mx.example.com[192.0.2.1] said: 550 5.7.1 Unfortunately, messages from [198.51.100.7] weren't sent. (S3140) (in reply to MAIL FROM command))",
	"Diagnostic-Code: smtp; 554 IP=x.x.x.x - A problem occurred. (BL)",
	"host mx.example.com[192.0.2.1] refused to talk to me: 554 5.7.1 blocked",
	"550 140.227.⋆⋆⋆.⋆ ip.ip.ip.ip ::ffff:1.2.3.4 999.1.1.1 1.2.3.4.5",
}

// FuzzClassify checks, for any input: no panic; a known category; a
// provider exactly for blocklist verdicts, and one the catalog has; a
// listed target that is a valid address or domain name; an explanation
// whose text has no control characters but newlines.
func FuzzClassify(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	// Seeds from the shared corpus when it is there: every reply text and
	// every log line with a remote reply or a reject.
	{
		dir := findCorpus()
		if dir != "" {
			rows, _ := os.ReadFile(filepath.Join(dir, "rejections.tsv"))
			for _, line := range strings.Split(string(rows), "\n") {
				if cols := strings.Split(line, "\t"); len(cols) > 2 {
					f.Add(cols[2])
				}
			}
		}
		// And the replies gathered for TestExtra (pasted forms, Exim texts).
		if rows, err := os.ReadFile(filepath.FromSlash(extraFile)); err == nil {
			for _, line := range strings.Split(string(rows), "\n") {
				if cols := strings.Split(line, "\t"); len(cols) > 2 {
					f.Add(cols[2])
				}
			}
		}
		var logs []string
		if dir != "" {
			logs, _ = filepath.Glob(filepath.Join(dir, "logs", "*.log"))
		}
		for _, name := range logs {
			fh, err := os.Open(name)
			if err != nil {
				continue
			}
			sc := bufio.NewScanner(fh)
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				if l := sc.Text(); strings.Contains(l, " said: ") || strings.Contains(l, "refused to talk") || strings.Contains(l, "reject:") {
					f.Add(l)
				}
			}
			fh.Close()
		}
	}
	c := Default()
	known := map[Category]bool{}
	for _, k := range Categories {
		known[k] = true
	}
	f.Fuzz(func(t *testing.T, s string) {
		p := postfixlog.NewParser(time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), time.UTC)
		for _, in := range []Input{
			InputFromLine(p, s, "192.0.2.1"),
			InputFromText(s, ""),
			{Reply: InputFromText(s, "").Reply, Greeting: true, RemoteHost: s},
			{Reply: InputFromText(s, "").Reply, NoReply: true},
		} {
			v := c.Classify(in)
			if !known[v.Category] {
				t.Fatalf("unknown category %q", v.Category)
			}
			if (v.Provider != "") != (v.Category == Blocklist) {
				t.Fatalf("provider %q with category %s", v.Provider, v.Category)
			}
			if v.Provider != "" && c.Provider(v.Provider) == nil {
				t.Fatalf("provider %q not in the catalog", v.Provider)
			}
			if in.NoReply && v.Category == Blocklist {
				t.Fatalf("blocklist verdict without a reply")
			}
			if v.Listed != "" && v.Listed != in.SendingIP {
				if _, err := netip.ParseAddr(v.Listed); err != nil && domainAt([]byte(v.Listed)) != v.Listed {
					t.Fatalf("listed %q is neither an address nor a domain", v.Listed)
				}
			}
			for _, lang := range []string{"en", "ja"} {
				var b strings.Builder
				if err := c.Explain(v, lang, RoleCustomer).WriteText(&b, lang); err != nil {
					t.Fatal(err)
				}
				out := b.String()
				if !utf8.ValidString(out) && utf8.ValidString(s) {
					t.Fatalf("invalid UTF-8 out of valid input")
				}
				for _, r := range out {
					if r < 0x20 && r != '\n' || r == 0x7f {
						t.Fatalf("control character %q in output", r)
					}
				}
			}
		}
	})
}
