package main

import "testing"

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
