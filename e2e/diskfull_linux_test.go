package e2e

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/internal/testenv"
)

// smallDisk mounts a tmpfs of size bytes on a new directory of the test's
// and unmounts it when the test ends.
func smallDisk(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		testenv.Missing(t, "mounting a small filesystem needs root (uid %d)", os.Geteuid())
	}
	dir := filepath.Join(t.TempDir(), "disk")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV, "size="+size+",mode=0700"); err != nil {
		testenv.Missing(t, "mounting a tmpfs: %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmounting %s: %v", dir, err)
		}
	})
	return dir
}

// fillDisk writes a file in dir until the filesystem is full, and returns
// it: removing it frees the space.
func fillDisk(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	block := make([]byte, 4096)
	for {
		if _, err := f.Write(block); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling %s: %v", dir, err)
			}
			return path
		}
	}
}

// TestStateDiskFull: the state on a disk that fills up under the daemon (a
// tmpfs of 4 MiB). The commit of the lines read then fails: the daemon stops
// with a non-zero status and says why (systemd restarts it), a start while the
// disk is still full does the same, and none of them stores a position
// beyond what it committed — once there is room again, the restart reads the
// refusal logged when the disk was full and announces it, once, and does not
// announce again the incident of before.
func TestStateDiskFull(t *testing.T) {
	t.Parallel()
	disk := smallDisk(t, "4m")
	b := newStateBench(t, "1h")
	state := filepath.Join(disk, "state.db")
	cfg, err := os.ReadFile(b.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b.cfg, []byte(strings.Replace(string(cfg), b.state, state, 1)), 0o600); err != nil {
		t.Fatal(err)
	}

	d := startDaemon(t, b.cfg)
	d.startOffset()
	b.announced(d)

	filler := fillDisk(t, disk)
	b.appendLog(spamhausLine(time.Now(), "B1B1B1B1B1", "192.0.2.1"))
	if code := waitExit(t, d); code == 0 {
		t.Fatalf("rblwatch run exited 0 when its state's disk was full:\n%s", d.log())
	}
	if !strings.Contains(d.log(), "disk is full") {
		t.Errorf("the daemon did not say its disk was full:\n%s", d.log())
	}

	// Restarted (systemd) with the disk still full.
	full := startDaemon(t, b.cfg)
	if code := waitExit(t, full); code == 0 {
		t.Fatalf("rblwatch run exited 0 on a full disk:\n%s", full.log())
	}
	for _, p := range []*daemonProc{d, full} {
		if strings.Contains(p.log(), "panic") {
			t.Errorf("the daemon panicked on a full disk:\n%s", p.log())
		}
	}
	if n := b.hook.count("opened", "spamhaus"); n != 0 {
		t.Fatalf("the refusal was announced while the disk was full (%d): the test must fill the disk before", n)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	b.resumes()
}
