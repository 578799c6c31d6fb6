// Package e2e holds rblwatch's end-to-end tests: mail goes through a real
// Postfix (internal/postfixtest) to fake remote servers that answer with
// providers' real reply texts, and the rblwatch binary must then report, from
// the log Postfix wrote, exactly the incidents, counts and providers a
// postmaster reads in it. The same is checked on the logs recorded in
// testdata/postfix, and the totals against pflogsumm.
//
// The tests need root and Debian's postfix and pflogsumm packages; they skip
// without them unless RBLWATCH_E2E=require (CI; see .ci/setup).
package e2e
