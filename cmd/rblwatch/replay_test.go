package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"go.uber.org/zap"
)

// TestReplayUsage: replay refuses bad flags as explain does, with exit 2
// and a message naming the flag, before reading any log.
func TestReplayUsage(t *testing.T) {
	log := filepath.Join(t.TempDir(), "mail.log")
	if err := os.WriteFile(log, []byte("Nov 23 15:33:46 mx postfix/qmgr[1]: DE9A6986268: removed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown language", []string{"replay", "--lang", "fr", log}, `--lang must be en or ja, not "fr"`},
		{"empty language", []string{"replay", "--lang", "", log}, "--lang must be en or ja"},
		{"negative settle", []string{"replay", "--settle", "-5m", log}, "--settle must not be negative"},
		{"settle no unit", []string{"replay", "--settle", "10", log}, "invalid value"},
		{"sending IP not an IP", []string{"replay", "--sending-ip", "mx.example.com", log}, `--sending-ip: "mx.example.com" is not an IP address`},
		{"sending IP a network", []string{"replay", "--sending-ip", "192.0.2.0/24", log}, "--sending-ip"},
		{"sending IP with a zone", []string{"replay", "--sending-ip", "fe80::1%eth0", log}, "--sending-ip"},
		{"sending IP with markup", []string{"replay", "--sending-ip", "192.0.2.1<script>", log}, "--sending-ip"},
		{"unknown format", []string{"replay", "--format", "csv", log}, `unknown format "csv" (want text, json or html)`},
		// It was "replay: reading D: read D: is a directory", exit 1.
		{"a directory", []string{"replay", log, filepath.Dir(log)}, filepath.Dir(log) + " is a directory: give the log files in it"},
		{"explain: sending IP", []string{"explain", "--sending-ip", "nope", "554 blocked"}, `--sending-ip: "nope" is not an IP address`},
		{"explain: language", []string{"explain", "--lang", "de", "554 blocked"}, "--lang must be en or ja"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, code := runCLI(t, tt.args...)
			if code != 2 || !strings.Contains(stderr, tt.want) || out != "" {
				t.Errorf("exit %d, stderr %q, stdout %.200q; want 2 and %q", code, stderr, out, tt.want)
			}
		})
	}
	// Good values pass.
	for _, args := range [][]string{
		{"replay", "--lang", "ja", "--settle", "0s", "--sending-ip", "192.0.2.1", log},
		{"replay", "--sending-ip", "2001:db8::1", "--format", "json", log},
		{"replay", "--sending-ip", "::ffff:192.0.2.1", log},
	} {
		if _, stderr, code := runCLI(t, args...); code != 0 {
			t.Errorf("%q: exit %d, stderr %s", args, code, stderr)
		}
	}
}

// TestReplayPeriodOutOfOrder: the period a report shows runs from the
// earliest line to the latest, whatever order the files are given in
// (mail.log before mail.log.1) or the lines are in. Before, it ran from
// the first line read to the last: "2026-11-23 16:00 → 2026-11-22 09:00".
func TestReplayPeriodOutOfOrder(t *testing.T) {
	dir := t.TempDir()
	newer, older := filepath.Join(dir, "mail.log"), filepath.Join(dir, "mail.log.1")
	for path, text := range map[string]string{
		newer: "2026-11-23T16:00:00.000000+00:00 mx postfix/qmgr[1]: DE9A6986268: removed\n2026-11-23T15:00:00.000000+00:00 mx postfix/qmgr[1]: DE9A6986269: removed\n",
		older: "2026-11-22T09:00:00.000000+00:00 mx postfix/qmgr[1]: DE9A6986270: removed\n2026-11-22T10:00:00.000000+00:00 mx postfix/qmgr[1]: DE9A6986271: removed\n",
	} {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, stderr, code := runCLI(t, "replay", "--tz", "UTC", newer, older)
	if want := "Period:    2026-11-22 09:00:00 +0000 → 2026-11-23 16:00:00 +0000"; code != 0 || !strings.Contains(out, want) {
		t.Errorf("exit %d (%s), want the period %q:\n%s", code, stderr, want, out)
	}
	out, _, _ = runCLI(t, "replay", "--format", "json", newer, older)
	if !strings.Contains(out, `"first_line": "2026-11-22T09:00:00Z"`) || !strings.Contains(out, `"last_line": "2026-11-23T16:00:00Z"`) {
		t.Errorf("JSON first_line/last_line are not the earliest and latest:\n%.400s", out)
	}
}

// TestReplayTruncatedGzip: a .gz cut short (still being compressed, a full
// disk) does not lose the replay: the report covers its lines before the
// cut and every other input, the exit status is 1 and stderr names the
// file once. Before, the replay printed no report at all ("reading X:
// reading X: truncated gzip data").
func TestReplayTruncatedGzip(t *testing.T) {
	dir := t.TempDir()
	var plain strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&plain, "2026-11-22T09:%02d:%02d.000000+00:00 mx postfix/qmgr[1]: DE9A69%05d: removed\n", i/60%60, i%60, i)
	}
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	zw.Write([]byte(plain.String()))
	zw.Close()
	cut := filepath.Join(dir, "mail.log.2.gz")
	whole := filepath.Join(dir, "mail.log")
	if err := os.WriteFile(cut, zb.Bytes()[:zb.Len()/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(whole, []byte("2026-11-23T16:00:00.000000+00:00 mx postfix/qmgr[1]: DE9A6986268: removed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"text", "json", "html"} {
		t.Run(format, func(t *testing.T) {
			out, stderr, code := runCLI(t, "replay", "--tz", "UTC", "--format", format, cut, whole)
			if code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			if strings.Count(stderr, cut) != 1 || !strings.Contains(stderr, "truncated gzip data") || !strings.Contains(stderr, "the report covers the lines before it") {
				t.Errorf("stderr %q: want the cut file named once, and what the report covers", stderr)
			}
			if !strings.Contains(out, "2026-11-23") {
				t.Errorf("the report lacks the input after the cut one:\n%.600s", out)
			}
		})
	}
	out, _, _ := runCLI(t, "replay", "--format", "json", cut, whole)
	var rep struct {
		Lines int64 `json:"lines"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v:\n%.400s", err, out)
	}
	if rep.Lines < 100 || rep.Lines >= 2001 {
		t.Errorf("%d lines read; want the cut file's readable lines and the other file's", rep.Lines)
	}
}

// TestReplayLineAfterACrash: a crash leaves NUL bytes where the log's last
// blocks were allocated but never written, and syslog appends the next
// line right after them. That line is read (the NUL bytes dropped), not
// counted unparsed: before, the first refusal logged after the reboot was
// never reported.
func TestReplayLineAfterACrash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mail.log")
	bounce := "2026-11-23T16:20:24.000000+00:00 mx postfix/smtp[23817]: 8F770984C2E: to=<frank@uni.test>, relay=mx.uni.test[127.0.0.15]:25, delay=0.01, delays=0/0/0/0.01, dsn=5.0.0, status=bounced (host mx.uni.test[127.0.0.15] said: 554 Service unavailable; Client host [192.0.2.10] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.10 (in reply to RCPT TO command))\n"
	data := "2026-11-23T16:20:20.000000+00:00 mx postfix/qmgr[1]: DE9A6986268: removed\n" + strings.Repeat("\x00", 4096) + bounce
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := runCLI(t, "replay", "--tz", "UTC", "--format", "json", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var r struct {
		Lines, Unparsed int
		Incidents       []struct{ Provider string }
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Lines != 2 || r.Unparsed != 0 || len(r.Incidents) != 1 || r.Incidents[0].Provider != "spamhaus" {
		t.Errorf("%d lines, %d unparsed, incidents %+v; want 2, 0 and the Spamhaus refusal after the NUL bytes", r.Lines, r.Unparsed, r.Incidents)
	}
}

// TestReplayOtherCompression: a log compressed with xz, zstd or bzip2
// (logrotate's compresscmd) is an error that names the format and says how
// to read it, from a file as from stdin. Before, it was read as text: every
// line unparsed, "No blocklist incidents", exit 0. The files are what the
// tools make of one log line.
func TestReplayOtherCompression(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ format, data string }{
		{"xz", "\xfd7zXZ\x00\x00\x04\xe6ִF\x02\x00!\x01\x16\x00\x00\x00t/\xe5\xa3\xe0\x00I\x00F]\x00\x19\f\x02\x92\xb2\xa9f\x14\x85g\xa0$\xfc\x9dě\xa71\x06+w \x06\x1bb\xa7\x8a8\xa5m\x9bO;9\xc6\x10W\x00M(H\xa2\x14\x9fW:\x85\xee\a-Y\xea\xb0K\xf8\xb4\xbcb\xb7gF\xf2\x85\xdcmƨ\xac\xc8\x00\x00\x00\x00\x19 P\xaa$P\x8e)\x00\x01bJ\x80\x14D\xe1\x1f\xb6\xf3}\x01\x00\x00\x00\x00\x04YZ"},
		{"zstd", "(\xb5/\xfd\x04XQ\x02\x002026-11-23T16:20:20.000000+00:00 mx postfix/qmgr[1]: DE9A6986268: removed\n\x1d\x19\xd0A"},
		{"bzip2", "BZh91AY&SYYN/\xa5\x00\x00\r߀\x10\x10@\v\xf9p&\x00\x04\n\a\xa2\xfd@ \x00TRh\xc4z\x86FL@\xc3!\x14\xf4\x9eL\xa3\x104\xc8\x1a\x00\x92\xbd\x9f0\xaey\x98\x84\x05\xa2\xf7\x15b\xd7\xe7%\x80\x929C\x11\x8d\xb10\x94\xd1@\x8e3\x8dC\xb2ĩ\xf8\xa8\x05(\xa5P%\x82J\xe2\xeeH\xa7\n\x12\v)\xc5\xf4\xa0"},
	} {
		t.Run(c.format, func(t *testing.T) {
			path := filepath.Join(dir, "mail.log.2."+c.format)
			if err := os.WriteFile(path, []byte(c.data), 0o644); err != nil {
				t.Fatal(err)
			}
			_, stderr, code := runCLI(t, "replay", "--tz", "UTC", path)
			if code != 1 || !strings.Contains(stderr, "compressed with "+c.format) || !strings.Contains(stderr, "decompress it first") {
				t.Errorf("file: exit %d, stderr %q; want 1 naming %s and how to read it", code, stderr, c.format)
			}
			var out, errb bytes.Buffer
			e := &env{stdin: strings.NewReader(c.data), stdout: &out, stderr: &errb, log: zap.NewNop(), getenv: func(string) string { return "" }}
			code = exitCode(&errb, dispatch(t.Context(), e, []string{"replay", "--tz", "UTC", "-"}))
			if code != 1 || !strings.Contains(errb.String(), "compressed with "+c.format) {
				t.Errorf("stdin: exit %d, stderr %q; want 1 naming %s", code, errb.String(), c.format)
			}
		})
	}
}

// TestReplayCollectorSettings: replay sets the collector's target
// (GOGC 400, so that a short log is not collected a dozen times while the
// catalog and the incidents grow) and its soft memory limit before the
// catalog loads, and leaves a GOGC given in the environment as it is.
// The settings are the process's: each row restores them.
func TestReplayCollectorSettings(t *testing.T) {
	log := filepath.Join(t.TempDir(), "mail.log")
	if err := os.WriteFile(log, []byte("Nov 23 15:33:46 mx postfix/qmgr[1]: DE9A6986268: removed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		gogc string
		want int
	}{
		{"", replayGCPercent},
		{"150", 150}, // the runtime read it at the start; replay keeps it
	} {
		t.Run("GOGC="+tc.gogc, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			getenv := func(k string) string {
				if k == "GOGC" {
					return tc.gogc
				}
				return ""
			}
			defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
			defer debug.SetGCPercent(debug.SetGCPercent(-1))
			start := 100
			if tc.gogc != "" {
				start, _ = strconv.Atoi(tc.gogc)
			}
			debug.SetGCPercent(start)
			e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, log: zap.NewNop(), getenv: getenv}
			if err := dispatch(t.Context(), e, []string{"replay", "--format", "json", log}); err != nil {
				t.Fatalf("replay: %v (%s)", err, stderr.String())
			}
			if got := debug.SetGCPercent(start); got != tc.want {
				t.Errorf("GC percent after replay %d, want %d", got, tc.want)
			}
			if got := debug.SetMemoryLimit(-1); got != replayMemoryLimit {
				t.Errorf("memory limit after replay %d, want %d", got, int64(replayMemoryLimit))
			}
		})
	}
}

// TestReplayFileTwice: a log given twice (the same path, another path to
// it, or - twice) is a usage error: its lines were counted twice, every
// delivery, bounce and incident's figure doubled with no word of it.
func TestReplayFileTwice(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "mail.log")
	if err := os.WriteFile(log, []byte("Nov 23 15:33:46 mx postfix/qmgr[1]: DE9A6986268: removed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.log")
	if err := os.Symlink(log, link); err != nil {
		t.Fatal(err)
	}
	for _, files := range [][]string{{log, log}, {log, link}, {"-", "-"}} {
		out, stderr, code := runCLI(t, append([]string{"replay"}, files...)...)
		if code != 2 || !strings.Contains(stderr, "given twice") || out != "" {
			t.Errorf("%q: exit %d, stderr %q, stdout %.100q; want 2 and given twice", files, code, stderr, out)
		}
	}
}
