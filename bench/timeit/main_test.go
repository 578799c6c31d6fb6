package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestRun: timeit writes the command's wall and CPU times to the
// microsecond and its peak RSS, and exits as the command did.
func TestRun(t *testing.T) {
	out := filepath.Join(t.TempDir(), "time")
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"sh", "-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done"}, 0},
		{[]string{"sh", "-c", "exit 3"}, 3},
		{[]string{"sh", "-c", "kill -KILL $$"}, 1},
	} {
		os.Remove(out)
		if code := run(out, tc.args); code != tc.code {
			t.Errorf("%q: exit %d, want %d", tc.args, code, tc.code)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		f := strings.Fields(string(b))
		if len(f) != 4 {
			t.Fatalf("%q: wrote %q, want wall user sys maxrss", tc.args, b)
		}
		var v [4]float64
		for i, s := range f {
			if v[i], err = strconv.ParseFloat(s, 64); err != nil || v[i] < 0 {
				t.Errorf("%q: field %d is %q", tc.args, i+1, s)
			}
			if i < 3 && !strings.Contains(s, ".") || i < 3 && len(s[strings.Index(s, "."):]) != 7 {
				t.Errorf("%q: field %d is %q, want seconds to the microsecond", tc.args, i+1, s)
			}
		}
		if v[3] == 0 {
			t.Errorf("%q: peak RSS 0", tc.args)
		}
		if tc.code == 0 && v[1]+v[2] == 0 {
			t.Errorf("%q: a busy loop took no CPU", tc.args)
		}
	}
	if code := run(out, []string{"/nonexistent/command"}); code != 127 {
		t.Errorf("a command that cannot start: exit %d, want 127", code)
	}
}
