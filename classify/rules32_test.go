package classify

import "testing"

// rules32: three readings that did not generalise, found with a hundred
// replies from public sources the repository never held (their texts are
// not kept here; these rows are short paraphrases written by hand, each
// verdict decided before the classifier ran).

// A bare "IP in blacklist" names no one: the words are anyone's English
// and carry no code of NetEase's own family. From NetEase's own mail host
// it is NetEase's refusal (as from Sina's and Tencent's hosts theirs);
// with no host, or from another host, an unknown receiver's list.
var bareBlacklistFamilies = []familyRow{
	{"no host", "554 IP in blacklist", Blocklist, ""},
	{"no host", "550 IP in blacklist.", Blocklist, ""},
	{"other host", "host mx.example.net[192.0.2.9] said: 554 IP in blacklist (in reply to RCPT TO command)", Blocklist, ""},
	{"other host", "host mx.163.com.example.org[192.0.2.9] said: 554 IP in blacklist (in reply to RCPT TO command)", Blocklist, ""},
	{"other host", "host mail.example.cn[192.0.2.9] refused to talk to me: 550 IP in blacklist", Blocklist, ""},
	{"netease host", "host 163mx02.mxmail.netease.com[220.181.14.142] said: 554 IP in blacklist (in reply to RCPT TO command)", Blocklist, "netease"},
	{"netease host", "host mx.126.com[220.181.15.111] said: 550 IP in blacklist. (in reply to MAIL FROM command)", Blocklist, "netease"},
	{"netease host", "host mx.yeah.net[220.181.14.141] refused to talk to me: 554 IP in blacklist", Blocklist, "netease"},
}

func TestBareBlacklistFamilies(t *testing.T) { checkFamilies(t, bareBlacklistFamilies) }
