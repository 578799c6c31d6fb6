package config

import (
	"strings"
	"testing"
)

func TestLogging(t *testing.T) {
	tests := []struct {
		src     string
		level   LogLevel
		format  LogFormat
		problem string
	}{
		{"notify:\n  to: pm@example.com\n", LogInfo, LogText, ""},
		{"notify:\n  to: pm@example.com\nlogging:\n  level: debug\n  format: json\n", LogDebug, LogJSON, ""},
		{"notify:\n  to: pm@example.com\nlogging:\n  level: warn\n", LogWarn, LogText, ""},
		{"notify:\n  to: pm@example.com\nlogging:\n  level: verbose\n", "", "", `t.yaml:4: logging.level: "verbose" is not one of debug, info, warn, error`},
		{"notify:\n  to: pm@example.com\nlogging:\n  format: xml\n", "", "", `t.yaml:4: logging.format: "xml" is not one of text, json`},
		{"notify:\n  to: pm@example.com\nlogging:\n  colour: true\n", "", "", `t.yaml:4: logging.colour: unknown key`},
	}
	for _, tt := range tests {
		c, err := Parse([]byte(tt.src), "t.yaml")
		if tt.problem != "" {
			if err == nil || !strings.Contains(err.Error(), tt.problem) {
				t.Errorf("%q: error %v, want %q", tt.src, err, tt.problem)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.src, err)
			continue
		}
		if c.Logging.Level != tt.level || c.Logging.Format != tt.format {
			t.Errorf("%q: logging %+v, want %s %s", tt.src, c.Logging, tt.level, tt.format)
		}
	}
	for _, s := range []string{"debug", "INFO", "warn", "error"} {
		if _, err := ParseLogLevel(s); err != nil {
			t.Errorf("ParseLogLevel(%q): %v", s, err)
		}
	}
	for _, s := range []string{"", "trace", "0"} {
		if _, err := ParseLogLevel(s); err == nil {
			t.Errorf("ParseLogLevel(%q) accepted", s)
		}
	}
	for _, s := range []string{"text", "JSON"} {
		if _, err := ParseLogFormat(s); err != nil {
			t.Errorf("ParseLogFormat(%q): %v", s, err)
		}
	}
	if _, err := ParseLogFormat("console"); err == nil {
		t.Error(`ParseLogFormat("console") accepted`)
	}
}

func TestLogPaths(t *testing.T) {
	tests := []struct {
		src     string
		files   []string
		problem string
	}{
		{"log: {path: /var/log/mail.log}\n", []string{"/var/log/mail.log"}, ""},
		{"log: {paths: [/var/log/postfix-out.log, /var/log/postfix-in.log]}\n", []string{"/var/log/postfix-out.log", "/var/log/postfix-in.log"}, ""},
		{"log: {path: /var/log/mail.log, paths: [/var/log/a.log]}\n", nil, "cannot be used with log.paths"},
		{"log: {paths: [/var/log/a.log], stdin: true}\n", nil, "cannot be used with log.paths"},
		{"log: {paths: [var/log/a.log]}\n", nil, `log.paths[0]: "var/log/a.log" is not an absolute path`},
		{"log: {paths: [/var/log/a.log, /var/log//a.log]}\n", nil, `log.paths[1]: "/var/log//a.log" is listed twice`},
	}
	for _, tt := range tests {
		c, err := Parse([]byte("notify: {to: pm@example.com}\n"+tt.src), "t.yaml")
		if tt.problem != "" {
			if err == nil || !strings.Contains(err.Error(), tt.problem) {
				t.Errorf("%q: error %v, want %q", tt.src, err, tt.problem)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.src, err)
			continue
		}
		if got := c.Log.Files(); strings.Join(got, " ") != strings.Join(tt.files, " ") || c.Log.Source() != SourceFile {
			t.Errorf("%q: files %q (%s), want %q", tt.src, got, c.Log.Source(), tt.files)
		}
	}
}
