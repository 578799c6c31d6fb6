package testproc

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// TestBuildsOnDarwin: the module, its tests, benchmarks and tools included,
// type-checks for macOS (go vet builds every package and test file): what
// only Linux has (Pdeathsig, epoll, TCP_QUICKACK) stays behind build tags,
// so a developer on a Mac can build and vet. Linux keeps its behaviour
// (deathsig_linux.go).
func TestBuildsOnDarwin(t *testing.T) {
	if testing.Short() {
		t.Skip("vets the whole module for another system")
	}
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		goBin = "go"
	}
	cmd := exec.Command(goBin, "vet", "./...")
	cmd.Dir = filepath.Join("..", "..")
	cmd.Env = append(os.Environ(), "GOOS=darwin", "GOARCH=arm64", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("GOOS=darwin GOARCH=arm64 go vet ./...: %v\n%s", err, out)
	}
}
