package main

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/internal/postfixtest"
	"github.com/rblwatch/rblwatch/internal/testenv"
)

// standInEnv makes the test binary a stand-in for bench/nullmilter (which
// needs a C compiler): it listens on its argument ("inet:HOST:PORT" or
// "unix:PATH") and closes every connection, so Postfix goes on without it,
// until it is killed. The bench only starts and stops it here.
const standInEnv = "RBLWATCH_BENCH_NULL_STANDIN"

func TestMain(m *testing.M) {
	if os.Getenv(standInEnv) != "" {
		standIn(os.Args[len(os.Args)-1])
		return
	}
	os.Exit(m.Run())
}

func standIn(addr string) {
	network, address := "tcp", strings.TrimPrefix(addr, "inet:")
	if a, ok := strings.CutPrefix(addr, "unix:"); ok {
		network, address = "unix", a
	}
	ln, err := net.Listen(network, address)
	if err != nil {
		fmt.Fprintln(os.Stderr, "stand-in milter:", err)
		os.Exit(1)
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			os.Exit(1)
		}
		c.Close()
	}
}

// TestInterruptCleansUp: SIGINT or SIGTERM to the benchmark while a run is
// under way stops the Postfix instance and removes its directory
// (/tmp/rblwatch-postfix-*, which CI counts as left behind), stops
// rblwatch, the null milter and smtp-sink, removes the work directory, and
// exits with status 130.
func TestInterruptCleansUp(t *testing.T) {
	if err := postfixtest.Available(); err != nil {
		testenv.Missing(t, "%v", err)
	}
	testenv.LookPath(t, "smtp-source", "postfix")
	testenv.LookPath(t, "smtp-sink", "postfix")
	bin := t.TempDir()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	for name, pkg := range map[string]string{"rblwatch": "../../cmd/rblwatch", "milterbench": "."} {
		if out, err := exec.Command(goBin, "build", "-o", filepath.Join(bin, name), pkg).CombinedOutput(); err != nil {
			t.Fatalf("building %s: %v\n%s", name, err, out)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(filepath.Join(bin, "milterbench"), "-rblwatch", filepath.Join(bin, "rblwatch"),
				"-null", self, "-modes", "off,on,null", "-rounds", "100", "-n", "20", "-sessions", "4")
			cmd.Env = append(os.Environ(), standInEnv+"=1")
			// A file, not a pipe: a child left behind holding the pipe
			// would keep cmd.Wait waiting.
			stderrPath := filepath.Join(t.TempDir(), "stderr")
			stderrFile, err := os.Create(stderrPath)
			if err != nil {
				t.Fatal(err)
			}
			defer stderrFile.Close()
			cmd.Stderr = stderrFile
			stderr := func() string { b, _ := os.ReadFile(stderrPath); return string(b) }
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			defer func() {
				select {
				case <-exited:
				default:
					cmd.Process.Kill()
				}
			}()
			var pids [3]int
			var pfDir, work, cgDir string
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				line := sc.Text()
				if strings.HasPrefix(line, "rblwatch pid ") {
					if _, err := fmt.Sscanf(line, "rblwatch pid %d, nullmilter pid %d, smtp-sink pid %d, postfix instance %s work directory %s",
						&pids[0], &pids[1], &pids[2], &pfDir, &work); err != nil {
						t.Fatalf("%q: %v", line, err)
					}
					pfDir = strings.TrimSuffix(pfDir, ",")
				}
				if rest, ok := strings.CutPrefix(line, "Postfix's CPU from cgroup "); ok {
					cgDir, _, _ = strings.Cut(rest, " ")
				}
				if strings.HasPrefix(line, "round 1 ") {
					break // the next run is under way
				}
			}
			if work == "" || !strings.HasPrefix(pfDir, postfixtest.DirPrefix(cmd.Process.Pid)) {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("no run began, or no instance directory named (%q):\n%s", pfDir, stderr())
			}
			// Whatever the bench leaves behind is reported, then
			// removed, so that a failure leaves nothing for CI to find.
			defer func() {
				for _, pid := range pids {
					syscall.Kill(pid, syscall.SIGKILL)
				}
				if _, err := os.Stat(pfDir); err == nil {
					exec.Command("postfix", "-c", filepath.Join(pfDir, "conf"), "stop").Run()
					os.RemoveAll(pfDir)
				}
				os.RemoveAll(work)
				if cgDir != "" {
					os.Remove(cgDir)
				}
			}()
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			go func() {
				for sc.Scan() {
				}
				exited <- cmd.Wait()
			}()
			select {
			case err = <-exited:
			case <-time.After(2 * time.Minute):
				t.Fatalf("the bench did not end within 2 minutes of %v", sig)
			}
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 130 || !strings.Contains(stderr(), "interrupted") {
				t.Errorf("after %v: %v, want exit status 130 and \"interrupted\"; stderr:\n%s", sig, err, stderr())
			}
			if err := postfixtest.Leftovers(postfixtest.DirPrefix(cmd.Process.Pid)); err != nil {
				t.Error(err)
			}
			for i, what := range []string{"rblwatch", "the null milter", "smtp-sink"} {
				if err := syscall.Kill(pids[i], 0); !errors.Is(err, syscall.ESRCH) {
					t.Errorf("%s (pid %d) still runs", what, pids[i])
				}
			}
			dirs := []string{pfDir, work}
			if cgDir != "" { // the cgroup of Postfix's processes, where the machine has one
				dirs = append(dirs, cgDir)
			}
			for _, d := range dirs {
				if _, err := os.Stat(d); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("%s left behind (%v)", d, err)
				}
			}
		})
	}
}
