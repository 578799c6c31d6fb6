// Package e2e holds rblwatch's end-to-end tests: mail goes through a real
// Postfix (internal/postfixtest) to fake remote servers that answer with
// providers' real reply texts, and the rblwatch binary must then report, from
// the log Postfix wrote, exactly the incidents, counts and providers a
// postmaster reads in it. The same is checked on the logs recorded in
// testdata/postfix, and the totals against pflogsumm. The daemon tests
// (daemon_test.go) run "rblwatch run" on the live log: its notices travel
// through the same Postfix to a capture remote, and rbldnsd stands in for
// the lists. The channel matrix (channels_test.go) runs "rblwatch run" with
// each documented form of each notification channel — SMTP with bare
// addresses and with display names, sendmail through the private Postfix,
// the webhook in each format to an HTTP peer of the test, a real
// Alertmanager (prometheus-alertmanager) — and counts exactly one delivery
// per channel and notice.
//
// The tests need root and Debian's postfix, pflogsumm and rbldnsd packages; they skip
// without them unless RBLWATCH_E2E=require (CI; see .ci/setup).
package e2e
