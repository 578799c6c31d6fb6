package milter

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
