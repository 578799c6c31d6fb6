package daemon

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rblwatch/rblwatch/internal/testenv"
)

func TestHostName(t *testing.T) {
	fail := errors.New("no answer")
	lookups := func(host, canonical, myhostname string) hostLookups {
		return hostLookups{
			hostname: func() (string, error) {
				if host == "" {
					return "", fail
				}
				return host, nil
			},
			canonical: func(_ context.Context, h string) (string, error) {
				if canonical == "" {
					return "", fail
				}
				return canonical, nil
			},
			myhostname: func(context.Context) (string, error) {
				if myhostname == "" {
					return "", fail
				}
				return myhostname, nil
			},
		}
	}
	tests := []struct {
		name                        string
		configured                  string
		host, canonical, myhostname string
		want                        string
		wantErr                     bool
	}{
		{"configured wins", "MX1.Example.COM.", "mail", "mail.example.net.", "mail.example.org", "mx1.example.com", false},
		{"host name with a dot", "", "mail.example.net", "other.example.net.", "mail.example.org", "mail.example.net", false},
		{"canonical name from /etc/hosts", "", "mail", "mail.example.net.", "mail.example.org", "mail.example.net", false},
		{"canonical name is the short name: myhostname", "", "mail", "mail", "mail.example.org", "mail.example.org", false},
		{"no canonical name: myhostname", "", "mail", "", "mail.example.org", "mail.example.org", false},
		// Debian's default: a single label, no FQDN, no Postfix config.
		{"single label as it is", "", "mail", "mail", "", "mail", false},
		// Postfix's default myhostname for such a host: a made-up domain.
		{"myhostname name.localdomain ignored", "", "mail", "mail", "mail.localdomain", "mail", false},
		{"myhostname name.localdomain, no kernel name", "", "", "", "mail.localdomain", "", true},
		{"hostile myhostname ignored", "", "mail", "", "mail\nBcc: x", "mail", false},
		{"nothing at all", "", "", "", "", "", true},
		{"no kernel name, myhostname", "", "", "", "mail.example.org", "mail.example.org", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := hostName(context.Background(), tc.configured, lookups(tc.host, tc.canonical, tc.myhostname))
			if got != tc.want || (err != nil) != tc.wantErr {
				t.Errorf("hostName = %q, %v; want %q (error %v)", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

// TestPostconfMyhostname asks the real postconf, as the daemon does, for a
// configuration directory of our own.
func TestPostconfMyhostname(t *testing.T) {
	bin := testenv.LookPath(t, "postconf", "postfix")
	dir := t.TempDir()
	for name, text := range map[string]string{"main.cf": "myhostname = mx9.example.test\n", "master.cf": ""} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := postconf(context.Background(), bin, "-c", dir)
	if err != nil || got != "mx9.example.test" {
		t.Fatalf("postconf = %q, %v", got, err)
	}
	l := systemLookups
	l.hostname = func() (string, error) { return "mx9", nil }
	l.canonical = func(context.Context, string) (string, error) { return "mx9", nil }
	l.myhostname = func(ctx context.Context) (string, error) { return postconf(ctx, bin, "-c", dir) }
	if got, err := hostName(context.Background(), "", l); got != "mx9.example.test" || err != nil {
		t.Errorf("hostName = %q, %v", got, err)
	}
	// Postfix's own default (an empty main.cf): on a host whose name has no
	// domain, postconf makes up NAME.localdomain, which is not used.
	if err := os.WriteFile(filepath.Join(dir, "main.cf"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	def, err := postconf(context.Background(), bin, "-c", dir)
	if err != nil || def == "" {
		t.Fatalf("postconf with an empty main.cf = %q, %v", def, err)
	}
	want := def
	if strings.HasSuffix(def, ".localdomain") {
		want = "mx9"
	}
	if got, err := hostName(context.Background(), "", l); got != want || err != nil {
		t.Errorf("Postfix's default myhostname %q: hostName = %q, %v; want %q", def, got, err, want)
	}
	// The system's own answer, whatever it is, is a name.
	if got, err := HostName(context.Background(), ""); err != nil || cleanHost(got) != got || got == "" {
		t.Errorf("HostName = %q, %v", got, err)
	}
}
