package daemon

import (
	"testing"

	"github.com/rblwatch/rblwatch/config"
	"github.com/rblwatch/rblwatch/notify"
)

// TestEmailSinkTLS: the email sink speaks TLS from the first byte to a relay
// on port 465 (SMTPS), where a server sends its banner only after the
// handshake — greeting it in clear, every notice timed out and was lost —
// and STARTTLS as notify.starttls says elsewhere. notify's
// TestSMTPImplicitTLS sends over such a connection.
func TestEmailSinkTLS(t *testing.T) {
	for _, tc := range []struct {
		yaml string
		want notify.TLSPolicy
	}{
		{"notify: {to: pm@example.com, smtp: 'smtp.example.net:465'}", notify.TLSImplicit},
		{"notify: {to: pm@example.com, smtp: 'smtp.example.net:465', starttls: required}", notify.TLSImplicit},
		{"notify: {to: pm@example.com, smtp: 'smtp.example.net:587', starttls: required}", notify.TLSRequired},
		{"notify: {to: pm@example.com}", notify.TLSOpportunistic},
		{"notify: {to: pm@example.com, starttls: never}", notify.TLSNone},
	} {
		cfg, err := config.Parse([]byte(tc.yaml), "t.yaml")
		if err != nil {
			t.Fatalf("%s: %v", tc.yaml, err)
		}
		s, ok := sinks(cfg, "mx.example.org")[SinkEmail].(*notify.SMTP)
		if !ok {
			t.Fatalf("%s: the email sink is not SMTP", tc.yaml)
		}
		if s.TLS != tc.want {
			t.Errorf("%s: TLS %q, want %q", tc.yaml, s.TLS, tc.want)
		}
		if err := s.Validate(); err != nil {
			t.Errorf("%s: %v", tc.yaml, err)
		}
	}
}
