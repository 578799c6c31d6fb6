package postfixtest

import (
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
