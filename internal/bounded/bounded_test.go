package bounded

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	if err := os.WriteFile(small, []byte("0123456789"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		path    string
		max     int64
		want    string // the data, or the error's text
		tooBig  bool
		missing bool
	}{
		{path: small, max: 10, want: "0123456789"},
		{path: small, max: 9, want: small + " is larger than 9 bytes", tooBig: true},            // refused from its size
		{path: "/dev/zero", max: 2 << 10, want: "/dev/zero is larger than 2 KiB", tooBig: true}, // read up to the limit
		{path: filepath.Join(dir, "none"), max: 10, missing: true},
	} {
		data, err := ReadFile(tt.path, tt.max)
		var tl *TooLargeError
		switch {
		case tt.missing:
			if !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("ReadFile(%s): %v, want not found", tt.path, err)
			}
		case tt.tooBig:
			if !errors.As(err, &tl) || err.Error() != tt.want || data != nil {
				t.Errorf("ReadFile(%s, %d) = %d bytes, %v; want %q", tt.path, tt.max, len(data), err, tt.want)
			}
		case err != nil || string(data) != tt.want:
			t.Errorf("ReadFile(%s, %d) = %q, %v", tt.path, tt.max, data, err)
		}
	}
}

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 bytes", 100: "100 bytes", 1 << 10: "1 KiB", 1536: "1536 bytes", 4 << 10: "4 KiB", 1 << 20: "1 MiB", 8 << 20: "8 MiB", 3 << 19: "1536 KiB"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestReadFileNamedPipe: a named pipe that nobody writes to (a config,
// catalog or password file path mistaken for one) is an error at once;
// before, the open waited for a writer, and since signals only cancel the
// commands' work, neither Ctrl-C nor SIGTERM ended `config check` or `run`.
// A pipe with a writer is read as before.
func TestReadFileNamedPipe(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "config.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	type result struct {
		data []byte
		err  error
	}
	read := func() <-chan result {
		c := make(chan result, 1)
		go func() { d, err := ReadFile(fifo, 1<<10); c <- result{d, err} }()
		return c
	}
	select {
	case r := <-read():
		if r.err == nil || !strings.Contains(r.err.Error(), "named pipe") {
			t.Errorf("a pipe nobody writes to: %q, %v; want an error naming the pipe", r.data, r.err)
		}
	case <-time.After(30 * time.Second): // a guard against the hang, not a speed limit
		// Let the stuck open go.
		if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
		t.Fatal("ReadFile still waits for a writer after 30 s")
	}

	// A pipe with a writer (process substitution: --config <(…)) is read
	// as before.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := w.Write([]byte("log: {stdin: true}\n")); err != nil {
		t.Fatal(err)
	}
	w.Close()
	data, err := ReadFile(fmt.Sprintf("/dev/fd/%d", r.Fd()), 1<<10)
	if err != nil || string(data) != "log: {stdin: true}\n" {
		t.Errorf("a pipe with a writer: %q, %v", data, err)
	}
}
