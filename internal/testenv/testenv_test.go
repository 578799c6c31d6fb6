package testenv

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestRoot(t *testing.T) {
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "module github.com/rblwatch/rblwatch\n") {
		t.Errorf("%s/go.mod is not rblwatch's", root)
	}
	shared, err := SharedDir()
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(shared) != filepath.Dir(root) || filepath.Base(shared) != "shared" {
		t.Errorf("SharedDir = %s, want shared beside %s", shared, root)
	}
}

// TestShared: the corpus is where CI lays it out; a pattern that matches
// nothing skips, or fails under RBLWATCH_E2E=require (checked in a child
// test whose failure is expected).
func TestShared(t *testing.T) {
	if files := Shared(t, "corpus/rejections.tsv"); len(files) != 1 {
		t.Errorf("Shared(corpus/rejections.tsv) = %q", files)
	}
	for _, require := range []string{"", "require"} {
		t.Setenv(RequireEnv, require)
		ft := &fakeT{TB: t}
		done := make(chan struct{})
		go func() { // Fatal and Skip end the goroutine, as in a test
			defer close(done)
			Shared(ft, "no/such/*.file")
		}()
		<-done
		if require == "require" && (!ft.failed || ft.skipped) {
			t.Errorf("RBLWATCH_E2E=require: failed=%v skipped=%v, want a failure", ft.failed, ft.skipped)
		}
		if require == "" && (ft.failed || !ft.skipped) {
			t.Errorf("without RBLWATCH_E2E: failed=%v skipped=%v, want a skip", ft.failed, ft.skipped)
		}
	}
}

type fakeT struct {
	testing.TB
	failed, skipped bool
}

func (f *fakeT) Helper() {}
func (f *fakeT) Fatalf(string, ...any) {
	f.failed = true
	runtime.Goexit()
}
func (f *fakeT) Skipf(string, ...any) {
	f.skipped = true
	runtime.Goexit()
}

// TestWriteLog: the log holds the data and was last modified at the time
// asked for, not when it was written.
func TestWriteLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mail.log")
	at := time.Date(2026, 11, 23, 17, 20, 31, 0, time.UTC)
	WriteLog(t, path, []byte("Nov 23 16:20:31 mail postfix/qmgr[1]: 8F770984C2E: removed\n"), at)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil || string(data) != "Nov 23 16:20:31 mail postfix/qmgr[1]: 8F770984C2E: removed\n" {
		t.Errorf("%s holds %q (%v)", path, data, err)
	}
	if !st.ModTime().Equal(at) {
		t.Errorf("%s last modified %v, want %v", path, st.ModTime(), at)
	}
}
