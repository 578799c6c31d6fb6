package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// TestRunStateDeletedWhileStarting: the state file deleted while `rblwatch
// run` starts — once the store made it (migrating a new file's schema),
// before the daemon loads what it holds (the "rblwatch starting" line),
// or once it loaded it (its "state loaded" line), before the daemon read
// a line — starts afresh: the daemon says so in its log, starts again on
// a new state file, reads its log (standard input) into it and exits 0,
// leaving no -wal, -shm or saved copy beside it. Before, it exited 1
// leaving the deleted file's -wal and -shm (or, deleted after the load,
// wrote what it read into the deleted file: lost).
func TestRunStateDeletedWhileStarting(t *testing.T) {
	for _, at := range []string{"migrated state database", "rblwatch starting", "state loaded"} {
		t.Run(at, func(t *testing.T) {
			dir := t.TempDir()
			state := filepath.Join(dir, "state", "state.db")
			conf := filepath.Join(dir, "rblwatch.yaml")
			yaml := "log: {stdin: true, timezone: UTC}\nstate: {path: " + state + "}\ndnsbl: {interval: 0s, resolver: \"127.0.0.1:1\"}\n"
			if err := os.WriteFile(conf, []byte(yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			var out, errb bytes.Buffer
			e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, log: zap.NewNop(), getenv: func(string) string { return "" }}
			if at != "migrated state database" {
				// A state to load (the schema is migrated when the
				// file is new).
				if err := dispatch(context.Background(), e, []string{"run", "--config", conf}); err != nil {
					t.Fatalf("first run: %v\n%s", err, errb.String())
				}
			}

			// The start deletes the file when it logs at.
			var once sync.Once
			core, logs := observer.New(zapcore.InfoLevel)
			e.log = zap.New(core, zap.Hooks(func(en zapcore.Entry) error {
				if en.Message == at {
					once.Do(func() {
						if err := os.Remove(state); err != nil {
							t.Errorf("deleting the state: %v", err)
						}
					})
				}
				return nil
			}))
			e.stdin = strings.NewReader("Nov 23 15:33:46 mx postfix/qmgr[12047]: DE9A6986268: from=<sender@origin.test>, size=384, nrcpt=1 (queue active)\n")
			if err := dispatch(context.Background(), e, []string{"run", "--config", conf}); err != nil {
				t.Fatalf("run with the state deleted at %q: %v", at, err)
			}
			if logs.FilterMessageSnippet("STATE FILE DELETED while rblwatch started").Len() != 1 {
				t.Errorf("no line says the state file was deleted while starting:\n%v", messages(logs))
			}
			ents, _ := os.ReadDir(filepath.Dir(state))
			var names []string
			for _, de := range ents {
				names = append(names, de.Name())
			}
			if !slices.Equal(names, []string{"state.db", "state.db.lock"}) {
				t.Errorf("beside the state: %v, want the state and its lock only", names)
			}
			out.Reset()
			e.log = zap.NewNop()
			if err := dispatch(context.Background(), e, []string{"messages", "--config", conf, "--json"}); err != nil || !strings.Contains(out.String(), "DE9A6986268") {
				t.Errorf("the new state lacks the message read (%v):\n%s", err, out.String())
			}
		})
	}
}

func messages(logs *observer.ObservedLogs) []string {
	var out []string
	for _, e := range logs.All() {
		out = append(out, e.Message)
	}
	return out
}
