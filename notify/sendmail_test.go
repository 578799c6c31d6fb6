package notify

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeSendmail writes a script that records its arguments (one per line)
// and standard input beside itself, prints a complaint and exits with the
// status in the file "exit".
func fakeSendmail(t *testing.T, exit string) (path, dir string) {
	t.Helper()
	dir = t.TempDir()
	path = filepath.Join(dir, "sendmail")
	script := "#!/bin/sh\n" +
		"d=$(dirname \"$0\")\n" +
		"for a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"$d/args\"\n" +
		"cat > \"$d/stdin\"\n" +
		"echo 'sendmail: fake complaint' >&2\n" +
		"exit $(cat \"$d/exit\")\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "exit"), []byte(exit), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, dir
}

func TestSendmail(t *testing.T) {
	golden, err := os.ReadFile(goldenPath("opened_ja"))
	if err != nil {
		t.Fatal(err)
	}
	path, dir := fakeSendmail(t, "0")
	s := &Sendmail{Path: path, From: "rblwatch@mail.example.net"}
	it := Item{Sink: "email", Recipients: []string{"postmaster@example.net", "noc@example.net"}, Payload: golden}
	if err := s.Deliver(context.Background(), it); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	args, _ := os.ReadFile(filepath.Join(dir, "args"))
	want := "-i\n-f\nrblwatch@mail.example.net\n--\npostmaster@example.net\nnoc@example.net\n"
	if string(args) != want {
		t.Errorf("args %q, want %q", args, want)
	}
	stdin, _ := os.ReadFile(filepath.Join(dir, "stdin"))
	if want := bytes.ReplaceAll(golden, []byte("\r\n"), []byte("\n")); !bytes.Equal(stdin, want) {
		t.Errorf("stdin differs from the golden with LF line ends")
	}
}

// TestSendmailOptionLikeAddresses: an address never becomes an option
// (besides the "--", such addresses are refused outright).
func TestSendmailOptionLikeAddresses(t *testing.T) {
	tests := []struct{ from, to string }{
		{"-bd", "a@example.net"},
		{"rblwatch@example.net", "-oQ/tmp/evil@example.net"},
		{"rblwatch@example.net", "a@example.net\nb@example.net"},
	}
	for _, tc := range tests {
		path, dir := fakeSendmail(t, "0")
		s := &Sendmail{Path: path}
		err := s.Send(context.Background(), tc.from, []string{tc.to}, []byte("x\r\n"))
		if err == nil || Temporary(err) {
			t.Errorf("%q → %q: err %v, want permanent", tc.from, tc.to, err)
		}
		if _, err := os.Stat(filepath.Join(dir, "args")); err == nil {
			t.Errorf("%q → %q: sendmail ran", tc.from, tc.to)
		}
	}
}

func TestSendmailExitStatus(t *testing.T) {
	tests := []struct {
		exit     string
		wantTemp bool
	}{
		{"75", true}, // EX_TEMPFAIL
		{"71", true}, // EX_OSERR
		{"74", true}, // EX_IOERR
		{"67", false},
		{"78", false},
		{"1", false},
	}
	for _, tc := range tests {
		t.Run(tc.exit, func(t *testing.T) {
			path, _ := fakeSendmail(t, tc.exit)
			s := &Sendmail{Path: path}
			err := s.Send(context.Background(), "", []string{"a@example.net"}, []byte("x\r\n"))
			var se *SendError
			if !errors.As(err, &se) {
				t.Fatalf("err %v, want *SendError", err)
			}
			if se.Temp != tc.wantTemp || se.Code == 0 || !strings.Contains(se.Message, "fake complaint") {
				t.Errorf("got %+v; want temp %v, the exit code and the complaint", se, tc.wantTemp)
			}
		})
	}
}

func TestSendmailMissingIsTemporary(t *testing.T) {
	s := &Sendmail{Path: filepath.Join(t.TempDir(), "no-such-sendmail")}
	err := s.Send(context.Background(), "", []string{"a@example.net"}, []byte("x\r\n"))
	if err == nil || !Temporary(err) {
		t.Fatalf("err %v, want temporary", err)
	}
}
