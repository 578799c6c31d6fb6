package track

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestCopyToAfterDelete: a database whose file was deleted under it can
// still be copied out whole, commits after the deletion included.
func TestCopyToAfterDelete(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.db")
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Tx(ctx, func(tx *Tx) error { return tx.SetMeta("before", "1") }); err != nil {
		t.Fatal(err)
	}
	// The copy is made as the store makes its own file (0640, less what
	// the umask takes away).
	orig, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := s.Tx(ctx, func(tx *Tx) error { return tx.SetMeta("after", "2") }); err != nil {
		t.Fatalf("a commit after the deletion: %v", err)
	}
	saved := filepath.Join(dir, "saved.db")
	if err := s.CopyTo(ctx, saved); err != nil {
		t.Fatal(err)
	}
	if err := s.CopyTo(ctx, saved); err == nil {
		t.Error("CopyTo overwrote an existing file")
	}
	s.Close()
	if fi, err := os.Stat(saved); err != nil || fi.Mode().Perm() != orig.Mode().Perm() || fi.Mode().Perm()&^0o640 != 0 {
		t.Errorf("copy: %v, mode %v; want the state file's %v, at most 0640", err, fi.Mode().Perm(), orig.Mode().Perm())
	}
	c, err := Open(saved, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for k, want := range map[string]string{"before": "1", "after": "2"} {
		if v, ok, err := c.GetMeta(ctx, k); err != nil || !ok || v != want {
			t.Errorf("%s = %q %v %v, want %q", k, v, ok, err, want)
		}
	}
}

// TestReadersNeverCreateTheFile: a reader connection opened after the
// state file was deleted fails instead of creating a new, empty file at
// the path, which the daemon would take for a new state (and the restart
// after a deletion would announce again what the saved state had sent:
// daemon TestStateDeletedMidDeliveryNeverRepeats failed one run in five).
func TestReadersNeverCreateTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Messages(context.Background(), MessageFilter{}); err == nil {
		t.Error("a read after the deletion found a database")
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("a reader created a new state file")
	}
}
