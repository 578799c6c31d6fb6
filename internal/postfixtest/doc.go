// Package postfixtest runs a real Postfix for tests: a private instance on
// loopback with its own configuration, queue, data directory and log file,
// whose outbound mail goes to scriptable fake remote SMTP servers.
//
// An instance never touches the system's Postfix: it is started with
// "postfix -c DIR" from a fresh directory under /tmp, listens on a free
// loopback port, and runs in a private mount namespace whose /etc/resolv.conf
// names only a loopback nameserver and whose /etc/hosts maps the fake
// remotes' host names to their loopback addresses, so Postfix never sends a
// query or a message off this machine.
//
//	gmail := postfixtest.NewRemote(t, "127.0.0.12:0", "mx.gmail.test")
//	pf := postfixtest.Start(t, postfixtest.Options{Routes: []postfixtest.Route{
//		{Domain: "gmail.test", Host: "mx.gmail.test", Addr: gmail.Addr()},
//	}})
//	qid, err := pf.Submit("alice@example.test", []string{"bob@gmail.test"}, nil)
//	line, err := pf.WaitLog(qid + `: to=<bob@gmail\.test>.*status=sent`)
//
// Start skips the test when Postfix is not installed or the test does not
// run as root, unless RBLWATCH_E2E=require, in which case it fails. The
// instance is stopped and its directory removed in t.Cleanup, whatever the
// test's outcome; Close reports any process or file left behind.
//
// Retries happen when the test asks for them (Flush): the backoff timers are
// long, so the number of deferral lines in the log is exactly the number the
// test caused. Set Options.Retry for automatic retries.
package postfixtest
