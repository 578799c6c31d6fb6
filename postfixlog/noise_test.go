package postfixlog

import (
	"strings"
	"testing"
)

// TestNoise: isSmtpdNoise and isSMTPNoise tell the messages that begin as
// one of their texts, and no other: each text, with more after it, cut
// short by a byte, with its first letter's case changed, and every text
// of the other list.
func TestNoise(t *testing.T) {
	smtpd := []string{
		"connect from ", "disconnect from ", "lost connection after ", "timeout after ", "too many errors after ",
		"improper command pipelining after ", "Anonymous TLS connection established", "Trusted TLS connection established",
		"Untrusted TLS connection established", "Verified TLS connection established", "SSL_accept error from ",
		"setting up TLS connection from ", "TLS connection established from ", "discarding EHLO keywords",
		"non-SMTP command from ", "lost connection", "table ", "abort", "STARTTLS",
	}
	smtp := []string{
		"Trusted TLS connection established", "Untrusted TLS connection established", "Verified TLS connection established",
		"Anonymous TLS connection established", "enabling PIX workarounds", "breaking line > ", "SSL_connect error",
		"certificate verification failed", "server certificate verification failed", "Cannot start TLS", "TLS is required",
		"host ", "Host ", "Name service error", "network address conversion failed", "discarding EHLO keywords", "table ",
		"mail for ", "connect to ",
	}
	begins := func(list []string, s string) bool {
		for _, p := range list {
			if strings.HasPrefix(s, p) {
				return true
			}
		}
		return false
	}
	var cases []string
	for _, p := range append(append([]string{"", "c", "x", "client=a[1.2.3.4]"}, smtpd...), smtp...) {
		cases = append(cases, p, p+"x.example[192.0.2.1]", strings.ToUpper(p[:min(1, len(p))])+p[min(1, len(p)):],
			strings.ToLower(p[:min(1, len(p))])+p[min(1, len(p)):])
		if p != "" {
			cases = append(cases, p[:len(p)-1])
		}
	}
	for _, s := range cases {
		if got, want := isSmtpdNoise(s), begins(smtpd, s); got != want {
			t.Errorf("isSmtpdNoise(%q) = %v, want %v", s, got, want)
		}
		if got, want := isSMTPNoise(s), begins(smtp, s); got != want {
			t.Errorf("isSMTPNoise(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestParseClientForms: a client= line's client and SASL login are what
// the first ", " and the first ", sasl_username=" say, whatever Postfix
// writes between or after them.
func TestParseClientForms(t *testing.T) {
	ref := func(s string) (client, login string) { // the plain reading
		end := strings.Index(s, ", ")
		if end < 0 {
			end = len(s)
		}
		client = s[:end]
		if i := strings.Index(s[end:], ", sasl_username="); i >= 0 {
			login = s[end+i+16:]
			if j := strings.Index(login, ", "); j >= 0 {
				login = login[:j]
			}
		}
		return client, login
	}
	for _, s := range []string{
		"app7.example.com[198.18.0.25]",
		"app7.example.com[198.18.0.25], sasl_method=PLAIN, sasl_username=crm24",
		"app7.example.com[198.18.0.25], sasl_method=PLAIN, sasl_username=crm24, sasl_sender=a@example.org",
		"app7.example.com[198.18.0.25], sasl_username=crm24",
		"app7.example.com[198.18.0.25], sasl_method=PLAIN, sasl_sender=a@example.org, sasl_username=bob",
		"app7.example.com[198.18.0.25], sasl_method=PLAIN,LOGIN, sasl_username=carol",
		"app7.example.com[198.18.0.25], sasl_method=PLAIN",
		"app7.example.com[198.18.0.25], sasl_method=",
		"a,b.example.com[198.18.0.25],, sasl_username=dave,x, y",
		"app7.example.com[198.18.0.25], orig_queue_id=4A1B2C3D4E, orig_client=x[192.0.2.1], sasl_username=eve",
		", sasl_username=",
		",",
		"",
	} {
		var r Record
		parseClient(s, &r)
		client, login := ref(s)
		var want Record
		want.setClient(client)
		if r.Client != want.Client || r.ClientIP != want.ClientIP || r.SASLUser != login {
			t.Errorf("%q: client %q %q, login %q; want %q %q, %q", s, r.Client, r.ClientIP, r.SASLUser, want.Client, want.ClientIP, login)
		}
	}
}
