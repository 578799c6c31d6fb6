package bounded

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
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
