package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/zap"
)

// TestLogging runs the daemon over stdin with the log level and format set
// by the configuration, the environment and the flags, and reads what it
// wrote to stderr.
func TestLogging(t *testing.T) {
	line := "Nov 23 15:33:46 mx postfix/smtp[12059]: DE9A6986268: to=<ok@remote.test>, relay=127.0.0.1[127.0.0.1]:2526, delay=0.02, delays=0.01/0.01/0/0, dsn=2.0.0, status=sent (250 2.0.0 OK: queued)\n"
	tests := []struct {
		name    string
		logging string // the configuration's logging section
		env     map[string]string
		flags   []string
		json    bool   // every line is a JSON object
		has     string // a message that must be there
		hasNot  string // one that must not
		usage   bool   // a usage error, exit 2
	}{
		{name: "defaults text and info", has: "rblwatch starting", hasNot: "batch"},
		{name: "config json and debug", logging: "{level: debug, format: json}", json: true, has: `"msg":"batch"`},
		{name: "config: warn hides info", logging: "{level: warn}", hasNot: "rblwatch starting"},
		{name: "environment over config", logging: "{level: debug, format: json}", env: map[string]string{"RBLWATCH_LOG_LEVEL": "info", "RBLWATCH_LOG_FORMAT": "text"}, has: "rblwatch starting", hasNot: "batch"},
		{name: "older RBLWATCH_LOG=json", env: map[string]string{"RBLWATCH_LOG": "json"}, json: true, has: `"msg":"rblwatch starting"`},
		{name: "flags over environment and config", logging: "{level: error}", env: map[string]string{"RBLWATCH_LOG_LEVEL": "warn"}, flags: []string{"--log-level", "debug", "--log-format", "json"}, json: true, has: `"msg":"batch"`},
		{name: "bad flag", flags: []string{"--log-level", "loud"}, usage: true},
		{name: "bad environment", env: map[string]string{"RBLWATCH_LOG_FORMAT": "xml"}, usage: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			conf := filepath.Join(dir, "rblwatch.yaml")
			yaml := "log: {stdin: true, timezone: UTC}\nstate: {path: \"" + filepath.Join(dir, "state.db") + "\"}\ndnsbl: {interval: 0s, resolver: \"127.0.0.1:1\"}\n"
			if tt.logging != "" {
				yaml += "logging: " + tt.logging + "\n"
			}
			if err := os.WriteFile(conf, []byte(yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			var out, errb bytes.Buffer
			e := &env{stdin: strings.NewReader(line), stdout: &out, stderr: &errb,
				getenv:  func(k string) string { return tt.env[k] },
				logging: &logging{w: &errb, level: zap.NewAtomicLevel()}}
			err := e.configureLog(nil)
			if err == nil {
				err = dispatch(context.Background(), e, append(append([]string{"run"}, tt.flags...), "--config", conf))
			}
			var ue usageError
			if tt.usage {
				if !errors.As(err, &ue) && !strings.Contains(errb.String(), "invalid value") {
					t.Fatalf("err %v, want a usage error\n%s", err, errb.String())
				}
				return
			}
			if err != nil {
				t.Fatalf("run: %v\n%s", err, errb.String())
			}
			got := errb.String()
			if tt.has != "" && !strings.Contains(got, tt.has) {
				t.Errorf("the log lacks %q:\n%s", tt.has, got)
			}
			if tt.hasNot != "" && strings.Contains(got, tt.hasNot) {
				t.Errorf("the log has %q:\n%s", tt.hasNot, got)
			}
			for _, l := range strings.Split(strings.TrimSpace(got), "\n") {
				if l == "" {
					continue
				}
				if isJSON := json.Valid([]byte(l)); isJSON != tt.json {
					t.Errorf("line is JSON: %v, want %v: %s", isJSON, tt.json, l)
				}
			}
		})
	}
}
