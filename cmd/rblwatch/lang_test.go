package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEnvLang(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string
	}{
		{nil, "en"},
		{map[string]string{"LANG": "ja_JP.UTF-8"}, "ja"},
		{map[string]string{"LANG": "C.UTF-8"}, "en"},
		{map[string]string{"LANG": "ja_JP.UTF-8", "LC_MESSAGES": "en_US.UTF-8"}, "en"},
		{map[string]string{"LANG": "en_US.UTF-8", "LC_ALL": "ja_JP.eucJP"}, "ja"},
	}
	for _, tc := range tests {
		e := &env{getenv: func(k string) string { return tc.env[k] }}
		if got := envLang(e); got != tc.want {
			t.Errorf("envLang(%v) = %q, want %q", tc.env, got, tc.want)
		}
	}
}

// TestReplayJapaneseUnnamedList: a Japanese replay report names the
// unnamed block list in Japanese, as the notices do, in text, HTML and
// JSON (whose texts follow --lang); it was "Unnamed block list".
func TestReplayJapaneseUnnamedList(t *testing.T) {
	log := filepath.Join(t.TempDir(), "mail.log")
	line := "Dec  9 10:18:24 mail postfix/smtp[20056]: 1310930001DB: to=<a@example.com>, relay=mx.example.com[192.0.2.9]:25, delay=0.22, delays=0.02/0.08/0.09/0.03, dsn=5.7.1, status=bounced (host mx.example.com[192.0.2.9] said: 554 5.7.1 Your IP 198.51.100.4 is temporarily blocked (in reply to RCPT TO command))\n"
	if err := os.WriteFile(log, []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"text", "html", "json"} {
		out, errOut, code := runCLI(t, "replay", "--lang", "ja", "--format", format, log)
		if code != 0 || !strings.Contains(out, "名称不明のブロックリスト") || strings.Contains(out, "Unnamed block list") {
			t.Errorf("%s: exit %d (%s), the unnamed list is not named in Japanese:\n%s", format, code, errOut, out)
		}
	}
}
