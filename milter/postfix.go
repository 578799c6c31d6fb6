package milter

import "path"

// The settings Postfix should use for this milter (docs/milter.md): mail
// goes on when rblwatch is down (default_action=accept), and a milter that
// accepts connections but does not answer — rblwatch stopped (SIGSTOP),
// swapped out, hung — holds a message for at most about CommandTimeout
// (the answer to the negotiation Postfix waits for at the start of each SMTP
// session and each local submission) or ContentTimeout (the answer at the
// end of a message), instead of Postfix's defaults of 30 s and 300 s.
//
// rblwatch answers from memory (it never waits for its disk or DNS before
// answering), within milliseconds even on a saturated host, so these
// bounds leave a wide margin. They are per-milter settings (Postfix 3.0
// and later): other milters (OpenDKIM, rspamd, …) keep theirs.
const (
	PostfixConnectTimeout = "1s"
	PostfixCommandTimeout = "2s"
	PostfixContentTimeout = "2s"
)

// PostfixMilter returns the entry for smtpd_milters and non_smtpd_milters in
// Postfix's main.cf for a milter Postfix reaches at endpoint
// ("inet:127.0.0.1:8899", "unix:rblwatch/milter.sock"), with the settings
// above.
func PostfixMilter(endpoint string) string {
	return "{ " + endpoint + ", connect_timeout=" + PostfixConnectTimeout + ", command_timeout=" + PostfixCommandTimeout +
		", content_timeout=" + PostfixContentTimeout + ", default_action=accept }"
}

// PostfixUnixSocket is where docs/milter.md puts the milter's unix socket,
// relative to Postfix's queue directory (/var/spool/postfix on Debian):
// Postfix's daemons work there, chrooted (Debian's smtpd and cleanup) or
// not, so main.cf names it "unix:" + PostfixUnixSocket and rblwatch listens
// on unix:/var/spool/postfix/ + PostfixUnixSocket.
const PostfixUnixSocket = "rblwatch/milter.sock"

// PostfixSocketDir returns the command docs/milter.md gives to create the
// socket's directory under queueDir (/var/spool/postfix), owned by owner
// (the user rblwatch runs as) and Postfix's group, mode 2750: setgid, so
// the socket rblwatch creates there (mode 0660, DefaultSocketMode) belongs
// to the postfix group and Postfix's daemons may connect to it, nobody
// else; no one joins another's group. e2e's TestMilterUnixSocketChrooted
// runs it.
func PostfixSocketDir(owner, queueDir string) []string {
	return []string{"install", "-d", "-o", owner, "-g", "postfix", "-m", "2750", path.Join(queueDir, path.Dir(PostfixUnixSocket))}
}
