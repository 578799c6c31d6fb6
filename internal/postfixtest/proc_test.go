package postfixtest

import (
	"net/netip"
	"testing"
)

func TestParseStat(t *testing.T) {
	tests := []struct {
		in   string
		want proc
		ok   bool
	}{
		{"13148 (cat) R 13142 13142 8128 0 -1 4194304 103", proc{PID: 13148, State: 'R', PPID: 13142, PGID: 13142, Comm: "cat"}, true},
		{"200 (master) Z 1 200 200 0", proc{PID: 200, State: 'Z', PPID: 1, PGID: 200, Comm: "master"}, true},
		{"7 (a (b) c) S 1 5 5 0", proc{PID: 7, State: 'S', PPID: 1, PGID: 5, Comm: "a (b) c"}, true},
		{"", proc{}, false},
		{"12 cat R 1 1", proc{}, false},
		{"x (cat) R 1 1", proc{}, false},
		{"12 (cat) R 1", proc{}, false},
		{"12 (cat) R one 1", proc{}, false},
	}
	for _, tt := range tests {
		got, err := parseStat([]byte(tt.in))
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseStat(%q) = %+v, %v; want %+v ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
	if !(proc{State: 'Z'}).gone() || (proc{State: 'S'}).gone() {
		t.Error("gone: zombies are gone, sleepers are not")
	}
}

func TestListening(t *testing.T) {
	table := []byte(`  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1619 1
   1: 0100007F:2729 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1620 1
   2: 0B00007F:0019 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 1621 1
`)
	tests := []struct {
		addr string
		want bool
	}{
		{"127.0.0.1:10025", true},
		{"127.0.0.1:10026", false},
		{"127.0.0.11:25", false}, // established, not listening
		{"0.0.0.0:2024", true},
	}
	for _, tt := range tests {
		if got := listening(table, netip.MustParseAddrPort(tt.addr)); got != tt.want {
			t.Errorf("listening(%s) = %v, want %v", tt.addr, got, tt.want)
		}
	}
}

func TestEnvValue(t *testing.T) {
	env := []byte("PATH=/usr/bin\x00MAIL_CONFIG=/tmp/x/conf\x00EMPTY=\x00")
	if v, ok := envValue(env, "MAIL_CONFIG"); !ok || v != "/tmp/x/conf" {
		t.Errorf("MAIL_CONFIG = %q, %v", v, ok)
	}
	if v, ok := envValue(env, "EMPTY"); !ok || v != "" {
		t.Errorf("EMPTY = %q, %v", v, ok)
	}
	if _, ok := envValue(env, "MAIL"); ok {
		t.Error("MAIL must not match a prefix of MAIL_CONFIG")
	}
}
