package dnsbl

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParseResolvConf(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []string
		wantErr error
	}{
		{"debian", "# generated\ndomain example.com\nsearch example.com\nnameserver 127.0.0.53\noptions edns0 trust-ad\n", []string{"127.0.0.53:53"}, nil},
		{"several", "nameserver 192.0.2.53\nnameserver 2001:db8::53 # v6\n;comment\nnameserver\tfe80::1%eth0\n", []string{"192.0.2.53:53", "[2001:db8::53]:53", "[fe80::1%eth0]:53"}, nil},
		{"junk ignored", "nameserver resolver.example\nnameserverx 1.2.3.4\n nameserver 10.0.0.1\n\x00\xff\n", []string{"10.0.0.1:53"}, nil},
		{"none", "search example.com\n", nil, ErrNoResolver},
		{"empty", "", nil, ErrNoResolver},
		{"commented out", "#nameserver 10.0.0.1\n", nil, ErrNoResolver},
	}
	for _, tt := range tests {
		got, err := ParseResolvConf([]byte(tt.in))
		if !errors.Is(err, tt.wantErr) || !slices.Equal(got, tt.want) {
			t.Errorf("%s: ParseResolvConf = %q, %v; want %q, %v", tt.name, got, err, tt.want, tt.wantErr)
		}
	}
	// A huge line is an error, not a panic.
	if _, err := ParseResolvConf([]byte("nameserver 10.0.0.1\n" + strings.Repeat("x", 100000))); err == nil {
		t.Error("huge line: no error")
	}
}

func TestServerAddr(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"127.0.0.1", "127.0.0.1:53", true},
		{"127.0.0.1:5353", "127.0.0.1:5353", true},
		{"::1", "[::1]:53", true},
		{"[::1]", "[::1]:53", true},
		{"[::1]:5353", "[::1]:5353", true},
		{"localhost:53", "", false},
		{"127.0.0.1:0", "", false},
		{"127.0.0.1:99999", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, err := ServerAddr(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ServerAddr(%q) = %q, %v; want %q (ok %v)", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrBadServer) {
			t.Errorf("ServerAddr(%q) error %v does not wrap ErrBadServer", tt.in, err)
		}
	}
}

func TestPublicResolver(t *testing.T) {
	tests := []struct {
		in     string
		op     string
		public bool
	}{
		{"8.8.8.8:53", "Google Public DNS", true},
		{"8.8.4.4", "Google Public DNS", true},
		{"1.1.1.1:53", "Cloudflare", true},
		{"1.0.0.1:53", "Cloudflare", true},
		{"9.9.9.9:53", "Quad9", true},
		{"149.112.112.112:53", "Quad9", true},
		{"208.67.222.222:53", "OpenDNS", true},
		{"[2001:4860:4860::8888]:53", "Google Public DNS", true},
		{"[2606:4700:4700::1111]:53", "Cloudflare", true},
		{"[::ffff:8.8.8.8]:53", "Google Public DNS", true},
		{"127.0.0.1:53", "", false},
		{"127.0.0.53:53", "", false},
		{"192.0.2.53:53", "", false},
		{"not an address", "", false},
	}
	for _, tt := range tests {
		op, public := PublicResolver(tt.in)
		if op != tt.op || public != tt.public {
			t.Errorf("PublicResolver(%q) = %q, %v; want %q, %v", tt.in, op, public, tt.op, tt.public)
		}
	}
}

// TestNoSystemResolver makes sure the package never falls back to the
// system's resolver: its code must not call the net package's lookup
// functions nor read the system's resolver configuration.
func TestNoSystemResolver(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	forbidden := map[string]bool{
		"net.DefaultResolver": true, "net.Resolver": true, "net.LookupHost": true, "net.LookupIP": true,
		"net.LookupAddr": true, "net.LookupTXT": true, "net.LookupCNAME": true, "net.LookupNS": true,
		"net.LookupMX": true, "net.ResolveUDPAddr": true, "net.ResolveTCPAddr": true, "net.ResolveIPAddr": true,
		"dns.ClientConfigFromFile": true, "dns.ClientConfigFromReader": true, "os.ReadFile": true, "os.Open": true,
	}
	checked := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		file, err := parser.ParseFile(token.NewFileSet(), f, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		ast.Inspect(file, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); ok && forbidden[id.Name+"."+sel.Sel.Name] {
				t.Errorf("%s uses %s.%s: the package must only talk to Resolver.Server", f, id.Name, sel.Sel.Name)
			}
			return true
		})
	}
	if checked < 5 {
		t.Fatalf("checked %d files only", checked)
	}
	var r *Resolver
	if _, err := r.exchange(t.Context(), "2.0.0.127.zen.example.", 1); !errors.Is(err, ErrNoResolver) {
		t.Errorf("nil resolver: %v, want ErrNoResolver", err)
	}
	res := Lookup(t.Context(), nil, &Resolver{}, Zone{Name: "zen.example"}, "127.0.0.2", t0)
	if res.Status != StatusError || !errors.Is(res.Err, ErrNoResolver) {
		t.Errorf("empty Server: %+v, want an ErrNoResolver error", res)
	}
}
