// Package testenv is what the tests know of the machine they run on: the
// project's shared corpus and harness (shared/ beside the repository, as the
// developers' machines and CI lay it out), the programs a test drives, and
// whether a missing one skips the test or fails it.
//
// No test reads a path outside the repository but ../shared, and under
// RBLWATCH_E2E=require (CI sets it) what is missing fails the test instead
// of skipping it: a green suite then means every test ran.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// RequireEnv is the environment variable that turns a skip into a failure:
// RBLWATCH_E2E=require.
const RequireEnv = "RBLWATCH_E2E"

// Required says whether RBLWATCH_E2E=require is set.
func Required() bool { return os.Getenv(RequireEnv) == "require" }

// Missing skips the test, or fails it under RBLWATCH_E2E=require, saying
// what is missing and how to get it.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if Required() {
		t.Fatalf("%s (%s=require)", msg, RequireEnv)
	}
	t.Skipf("%s (set %s=require to make this a failure)", msg, RequireEnv)
}

// LookPath returns the path of a program the test runs, or skips/fails
// the test (Missing) when it is not installed; pkg names the Debian package
// that .ci/setup installs for it.
func LookPath(t testing.TB, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, "%s is not installed (apt-get install %s; see .ci/setup)", name, pkg)
	}
	return p
}

// Root returns the repository's root directory: the nearest directory at or
// above the working directory (a test runs in its package's directory) that
// holds go.mod.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", fmt.Errorf("testenv: no go.mod at or above the working directory")
		}
		dir = up
	}
}

// SharedDir returns ../shared relative to the repository's root, whether or
// not it exists.
func SharedDir() (string, error) {
	root, err := Root()
	if err != nil {
		return "", err
	}
	return filepath.Join(filepath.Dir(root), "shared"), nil
}

// SharedGlob returns the files of the shared directory that match pattern
// (slash-separated, relative to shared/: "corpus/logs/*"), sorted, or nil
// when it has none (or there is no shared directory).
func SharedGlob(pattern string) []string {
	dir, err := SharedDir()
	if err != nil {
		return nil
	}
	m, _ := filepath.Glob(filepath.Join(dir, filepath.FromSlash(pattern)))
	return m
}

// Shared is SharedGlob for a test that needs the files: with none, it skips
// the test, or fails it under RBLWATCH_E2E=require.
func Shared(t testing.TB, pattern string) []string {
	t.Helper()
	m := SharedGlob(pattern)
	if len(m) == 0 {
		dir, _ := SharedDir()
		Missing(t, "no shared/%s beside the repository (looked in %s)", pattern, dir)
	}
	return m
}

// WriteLog writes a log a test replays, last modified at mtime. Replay dates
// a log's year-less stamps ("Nov 23 16:20:20") in the latest year its file's
// modification time allows: a file left modified when the test wrote it
// dates them by the day the test runs, and no test may depend on the
// calendar.
func WriteLog(t testing.TB, path string, data []byte, mtime time.Time) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}
