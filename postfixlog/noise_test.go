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
