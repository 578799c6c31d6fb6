package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap"
)

// TestRunStdin: with log.stdin the daemon reads a pipe, stops at its end,
// and what it read is in the store (rblwatch messages shows it).
func TestRunStdin(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "rblwatch.yaml")
	yaml := "log: {stdin: true, timezone: UTC}\nstate: {path: " + filepath.Join(dir, "state.db") + "}\ndnsbl: {interval: 0s, resolver: \"127.0.0.1:1\"}\n"
	if err := os.WriteFile(conf, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	log := strings.Join([]string{
		"Nov 23 15:33:46 mx postfix/qmgr[12047]: DE9A6986268: from=<sender@origin.test>, size=384, nrcpt=1 (queue active)",
		"Nov 23 15:33:46 mx postfix/smtp[12059]: DE9A6986268: to=<ok@remote.test>, relay=127.0.0.1[127.0.0.1]:2526, delay=0.02, delays=0.01/0.01/0/0, dsn=2.0.0, status=sent (250 2.0.0 OK: queued)",
		"Nov 23 15:33:47 mx postfix/smtp[12059]: 90DB998626D: to=<barracuda@remote.test>, relay=127.0.0.1[127.0.0.1]:2526, delay=0.01, delays=0/0/0/0.01, dsn=5.0.0, status=bounced (host 127.0.0.1[127.0.0.1] said: 554 Service unavailable; Client host [127.0.0.1] blocked using Barracuda Reputation; http://www.barracudanetworks.com/reputation/?r=1&ip=127.0.0.1 (in reply to RCPT TO command))",
	}, "\n") + "\n"
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(log), stdout: &out, stderr: &errb, log: zap.NewNop(), getenv: func(string) string { return "" }}
	if err := dispatch(context.Background(), e, []string{"run", "--config", conf}); err != nil {
		t.Fatalf("run: %v\n%s", err, errb.String())
	}
	out.Reset()
	if err := dispatch(context.Background(), e, []string{"messages", "--config", conf, "--json"}); err != nil {
		t.Fatalf("messages: %v\n%s", err, errb.String())
	}
	for _, want := range []string{"DE9A6986268", "90DB998626D", "barracuda@remote.test"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("messages output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestRunRefusesTheLogAsState: a configuration whose state.path names the
// followed log (the same path, a link to it, one of log.paths) or whose
// log is a companion file the store writes beside the state (-wal, -shm,
// .lock) is a usage error, and the log is left as it was. Before, config
// check said OK and run made an empty mail.log (just rotated) a SQLite
// database, which syslog then appended to.
func TestRunRefusesTheLogAsState(t *testing.T) {
	for _, c := range []struct{ name, log, state string }{
		{"same path", `log: {path: "D/mail.log"}`, "D/mail.log"},
		{"same path, spelt otherwise", `log: {path: "D/mail.log"}`, "D/./mail.log"},
		{"a link to the log", `log: {path: "D/mail.log"}`, "D/link.db"},
		{"one of log.paths", `log: {paths: ["D/other.log", "D/mail.log"]}`, "D/mail.log"},
		{"the log is the state's lock", `log: {path: "D/mail.lock"}`, "D/mail"},
		{"the log is the state's WAL", `log: {path: "D/mail.log-wal-wal"}`, "D/mail.log-wal"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			mailLog := filepath.Join(dir, "mail.log")
			switch c.state {
			case "D/mail":
				mailLog = filepath.Join(dir, "mail.lock")
			case "D/mail.log-wal":
				mailLog = filepath.Join(dir, "mail.log-wal-wal")
			}
			if err := os.WriteFile(mailLog, nil, 0o640); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(mailLog, filepath.Join(dir, "link.db")); err != nil {
				t.Fatal(err)
			}
			conf := filepath.Join(dir, "rblwatch.yaml")
			yaml := strings.ReplaceAll(c.log+"\nstate: {path: \""+c.state+"\"}\n", "D/", dir+"/") + "dnsbl: {interval: 0s, resolver: \"127.0.0.1:1\"}\n"
			if err := os.WriteFile(conf, []byte(yaml), 0o640); err != nil {
				t.Fatal(err)
			}
			code, stderr := runRefused(conf)
			if code != 2 || !strings.Contains(stderr, "state.path") {
				t.Errorf("run: exit %d, want 2 naming state.path; stderr %s", code, stderr)
			}
			if fi, err := os.Stat(mailLog); err != nil || fi.Size() != 0 {
				t.Errorf("the log is gone or was written: %v", err)
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, en := range entries {
				if fi, err := en.Info(); err == nil && fi.Mode().IsRegular() && en.Name() != "rblwatch.yaml" && (fi.Size() != 0 || filepath.Join(dir, en.Name()) != mailLog) {
					t.Errorf("%s was written (%d bytes)", en.Name(), fi.Size())
				}
			}
		})
	}
}

// TestRunRefusesOneLogTwice: log.paths naming one file twice — under
// another name, a link to it — is a usage error, as the same path twice
// is. Before, run followed it twice: every line was counted twice (two
// bounces, two rejections for one line).
func TestRunRefusesOneLogTwice(t *testing.T) {
	dir := t.TempDir()
	mailLog := filepath.Join(dir, "mail.log")
	if err := os.WriteFile(mailLog, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	alias := filepath.Join(dir, "alias.log")
	if err := os.Symlink(mailLog, alias); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "rblwatch.yaml")
	yaml := `log: {paths: ["` + mailLog + `", "` + alias + `"]}` + "\nstate: {path: \"" + filepath.Join(dir, "state.db") + "\"}\ndnsbl: {interval: 0s, resolver: \"127.0.0.1:1\"}\n"
	if err := os.WriteFile(conf, []byte(yaml), 0o640); err != nil {
		t.Fatal(err)
	}
	code, stderr := runRefused(conf)
	if code != 2 || !strings.Contains(stderr, "log.paths[1]") || !strings.Contains(stderr, "the same file as log.paths[0]") {
		t.Errorf("run: exit %d, want 2 naming log.paths[1] as log.paths[0]'s file; stderr %s", code, stderr)
	}
}

// TestRunRefusesALogThatIsNoFile: log.path (or one of log.paths) naming a
// named pipe or a directory is a usage error at once. Before, config check
// said OK and run opened the pipe: it hung in the open, before any log
// line, until a writer came — deaf to SIGTERM, so systemd killed it.
func TestRunRefusesALogThatIsNoFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "mail.fifo")
	if err := syscall.Mkfifo(fifo, 0o640); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "logdir")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, log, key string }{
		{"named pipe", `log: {path: "` + fifo + `"}`, "log.path"},
		{"named pipe in log.paths", `log: {paths: ["` + filepath.Join(dir, "mail.log") + `", "` + fifo + `"]}`, "log.paths[1]"},
		{"directory", `log: {path: "` + sub + `"}`, "log.path"},
	} {
		t.Run(c.name, func(t *testing.T) {
			conf := filepath.Join(dir, "rblwatch.yaml")
			yaml := c.log + "\nstate: {path: \"" + filepath.Join(dir, "state.db") + "\"}\ndnsbl: {interval: 0s, resolver: \"127.0.0.1:1\"}\n"
			if err := os.WriteFile(conf, []byte(yaml), 0o640); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var out, errb bytes.Buffer
			e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, log: zap.NewNop(), getenv: func(string) string { return "" }}
			done := make(chan error, 1)
			go func() { done <- dispatch(ctx, e, []string{"run", "--config", conf}) }()
			var err error
			select {
			case err = <-done:
			case <-time.After(30 * time.Second): // a guard against the hang, not a speed limit
				t.Errorf("run still runs after 30 s")
				cancel()
				// Let a follower stuck in opening the pipe go.
				if w, werr := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); werr == nil {
					w.Close()
				}
				err = <-done
			}
			if code := exitCode(&errb, err); code != 2 || !strings.Contains(errb.String(), c.key) || !strings.Contains(errb.String(), "not a regular file") {
				t.Errorf("run: exit %d, want 2 naming %s as not a regular file; stderr %s", code, c.key, errb.String())
			}
		})
	}
}

// runRefused runs 'rblwatch run --config conf' for at most 5 s, for a
// configuration run must refuse, and returns its exit code and stderr.
func runRefused(conf string) (int, string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, log: zap.NewNop(), getenv: func(string) string { return "" }}
	code := exitCode(&errb, dispatch(ctx, e, []string{"run", "--config", conf}))
	return code, errb.String()
}

// TestRunStoppedWhileStarting: a stop (SIGTERM: systemctl stop, a restart)
// that comes while the daemon is still starting ends it cleanly, exit 0,
// as one that comes later does. Before, the state's loading failed with
// "daemon: loading incidents: … context canceled" and run exited 1, which
// systemd records as a failure.
func TestRunStoppedWhileStarting(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "rblwatch.yaml")
	yaml := "log: {stdin: true, timezone: UTC}\nstate: {path: " + filepath.Join(dir, "state.db") + "}\ndnsbl: {interval: 0s, resolver: \"127.0.0.1:1\"}\n"
	if err := os.WriteFile(conf, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the stop came before the daemon ran
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, log: zap.NewNop(), getenv: func(string) string { return "" }}
	if code := exitCode(&errb, dispatch(ctx, e, []string{"run", "--config", conf})); code != 0 {
		t.Errorf("run stopped while starting: exit %d, stderr %q; want 0", code, errb.String())
	}
}
