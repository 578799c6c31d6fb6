package classify

import (
	"path/filepath"
	"strings"
	"testing"
)

// score is how a labelled file fares: blocklist rows with the right
// provider, other rows called blocklist.
type score struct {
	pos, posRight, neg, negBlock, negCat int
}

func (s score) posRate() float64 { return float64(s.posRight) / float64(max(s.pos, 1)) }
func (s score) fpRate() float64  { return float64(s.negBlock) / float64(max(s.neg, 1)) }

// scoreRows classifies every row as a pasted text is read (extraInput) and
// logs every miss. An "unknown" row is right when the verdict is a
// blocklist one.
func scoreRows(t *testing.T, c *Catalog, name string, rows []corpusRow) score {
	t.Helper()
	var s score
	for _, r := range rows {
		if r.source == "" {
			t.Errorf("%s:%d: no source", name, r.line)
		}
		v := c.Classify(extraInput(r))
		if reason, ok := strings.CutPrefix(r.label, "none:"); ok {
			s.neg++
			if v.Category == Blocklist {
				s.negBlock++
				t.Logf("false blocklist, %s:%d (%s): got %s (rule %s): %s", name, r.line, r.label, v.Provider, v.Rule, r.text)
				continue
			}
			if cat, known := reasonCategory[reason]; !known {
				t.Errorf("%s:%d: reason %q has no category mapping", name, r.line, reason)
			} else if v.Category == cat {
				s.negCat++
			}
			continue
		}
		if r.label != Unknown && c.Provider(r.label) == nil {
			t.Errorf("%s:%d: label %q is not a catalog provider", name, r.line, r.label)
		}
		s.pos++
		if v.Provider == r.label || r.label == Unknown && v.Category == Blocklist {
			s.posRight++
		} else {
			t.Logf("provider miss, %s:%d: want %s, got %q/%s (rule %s): %s", name, r.line, r.label, v.Provider, v.Category, v.Rule, r.text)
		}
	}
	t.Logf("%s: blocklist rows %d/%d right provider (%.1f %%); other rows %d/%d called blocklist (%.1f %%), %d/%d right category",
		name, s.posRight, s.pos, 100*s.posRate(), s.negBlock, s.neg, 100*s.fpRate(), s.negCat, s.neg)
	return s
}

// Acceptance lines of issue 14 on the held-out rows: the right provider
// for at least 90 % of the block-list rows, at most 2 % of the other rows
// called blocklist.
const (
	holdoutTarget   = 0.90 // provider right, blocklist rows
	holdoutMaxAlarm = 0.02 // other failures called blocklist
)

// TestHoldout holds the line on each held-out batch (see
// testdata/README.md): the provider accuracy not below the floor measured
// on it, the false blocklist rate not above the ceiling, and NOT MET logged
// while either misses issue 14's lines. Raise a floor (lower a ceiling)
// only with a rule change that was not tuned on the batch's rows; never
// the other way.
func TestHoldout(t *testing.T) {
	for _, tt := range []struct {
		file           string
		minPos, minNeg int     // rows the batch must have
		floor          float64 // provider right, blocklist rows
		ceiling        float64 // other rows called blocklist
		mustMeet       bool    // below holdoutTarget is a failure, not a NOT MET
	}{
		// The first batch: no rule was tuned on it, but its misses were
		// read after the first round, so it is partly seen. Measured: 12
		// of 20 at first; 15 of 20 after issue 14's third round. Raise the
		// floor to holdoutTarget once a rule change that was not tuned on
		// these rows gets there. Issue 14's fifth round read the misses of
		// every seen batch and fixed them by kind: 19 of 20, 0 of 76 (the
		// miss: Outlook's "We have limits for how many messages can be sent
		// per hour and per day", labelled microsoft here and a rate limit
		// in dev5.tsv; the round follows the words, a rate limit; see
		// testdata/README.md). The lines keep that.
		{file: "holdout.tsv", minPos: 20, minNeg: 75, floor: 19.0/20 - 1e-9, ceiling: 0},
		// The second batch (issue 14's second round, from sources the
		// repository had not used, split off before any rule of that round
		// was written), measured once when the round's rules were final: 17
		// of 25 (68 %), 1 of 35 (2.9 %). Issue 14's third round (the
		// generic layer of cues) was told the kinds of wording these rows
		// missed, not the rows, and measured 24 of 25 (96 %), 0 of 35: the
		// rows are no longer unseen, and the lines only keep that result
		// from getting worse. After the fifth round (seen): 25 of 25, 0 of
		// 35.
		{file: "holdout2.tsv", minPos: 20, minNeg: 30, floor: 1 - 1e-9, ceiling: 0},
		// The third batch (issue 14's third round, split off before any
		// rule of that round changed), measured once when the round's
		// generic layer was final: 25 of 26 (96.2 %), 1 of 44 (2.3 %): the
		// accuracy meets issue 14's line, the false alarms miss it by that
		// one row. Before the round (the regex rules): 22 of 26, 0 of 44.
		// Seen since the fifth round, which read its misses and fixed them
		// by kind: 26 of 26, 0 of 44.
		{file: "holdout3.tsv", minPos: 25, minNeg: 40, floor: 1 - 1e-9, ceiling: 0, mustMeet: true},
		// The fourth batch (issue 14's fourth round, split off before any
		// rule of that round changed; its development part is dev4.tsv),
		// measured once when the round's rules were final: 17 of 18
		// (94.4 %), 1 of 29 (3.4 %): the accuracy meets issue 14's line,
		// the false alarms miss it by that one row (one row is 3.4 points
		// here). The rules before the round scored the same on it. Seen
		// since the fifth round, which read its misses and fixed them by
		// kind: 18 of 18, 0 of 29.
		{file: "holdout4.tsv", minPos: 18, minNeg: 29, floor: 1 - 1e-9, ceiling: 0, mustMeet: true},
		// The fifth batch (issue 14's fifth round, gathered and labelled by
		// an engineer who wrote no rule, split off before the round's rules
		// were final, never opened by the engineer who wrote them),
		// measured once by the lead when the round's rules were final: 22
		// of 28 (78.6 %), 2 of 82 (2.4 %) — both below issue 14's lines.
		// The rules before the round scored exactly the same on it: the
		// round fixed none of its misses. Its misses have been read since:
		// the batch is SEEN. Issue 14's sixth round wrote rules for them
		// from the receivers' own documentation (AOL's and AT&T's error
		// pages, USA.NET's, Yahoo's code table, EarthLink's removal
		// desk, Exim's SPF refusal): 28 of 28, 0 of 82 — a seen result,
		// which the lines keep; it proves nothing about unseen replies.
		{file: "holdout5.tsv", minPos: 28, minNeg: 82, floor: 1 - 1e-9, ceiling: 0, mustMeet: true},
		// The sixth batch (issue 14's sixth round: gathered only from
		// recorded bounces, logs, test suites and issue threads, while the
		// round's rules were written only from receivers' own pages),
		// measured once by the lead when the round's rules were final
		// (f7ad040): 16 of 18 (88.9 %), 0 of 49 — the accuracy below issue
		// 14's line by those two rows, the false alarms within it. The
		// rules before the round (fa3ee51) scored the same. Both misses
		// are Postfix's own test suite expanding an rbl_reply_maps
		// template for dsn.rfc-ignorant.org (labelled unknown).
		{file: "holdout6.tsv", minPos: 18, minNeg: 49, floor: 1 - 1e-9, ceiling: 0},
		// The seventh batch (issue 14's seventh round: gathered by two
		// engineers who wrote no rule, from recorded bounces, logs, app
		// issue threads and third parties' pages quoting bounces, while
		// the round's rules were written from receivers' and MTAs' own
		// documentation by an engineer who never opened it), measured once
		// by the lead when the round's rules were final (211ff0f): 14 of
		// 18 (77.8 %), 0 of 26 — the accuracy below issue 14's line by
		// four rows, the false alarms within it. The rules before the
		// round (04cafc8): 14 of 18, 1 of 26. The misses: an intrusion
		// prevention system's block of our address (labelled unknown,
		// called other), two old Hotmail gateway refusals for "content …
		// or reputation problems" (labelled microsoft, called policy) and
		// Cisco's domain-reputation wording at a Belgian ISP (labelled
		// cisco, called an unknown list). Seen from now on. Issue 14's
		// eighth round fixed its misses by kind (vendor template stems):
		// 15 of 18 after Cisco's stem (cisco-access-rejected), 16 after
		// intrusion prevention systems' blocks (generic strong cues), 18
		// after Hotmail's policy stem with reputation among its reasons
		// (microsoft-policy-reputation; the link rule unknown-reputation-linked
		// covers other receivers) — a SEEN
		// result, which the floor keeps; it proves nothing about unseen
		// replies.
		{file: "holdout7.tsv", minPos: 18, minNeg: 26, floor: 1 - 1e-9, ceiling: 0},
		// The eighth batch (issue 14's eighth round: gathered by two
		// engineers who wrote no rule, from pages, threads, archives and
		// test suites the repository had not used, split with seed
		// rblwatch-holdout9-2026), while the ninth round's rules (the
		// generic layer under synthetic paraphrase families, and 25 more
		// receivers and lists from their own pages) were written by two
		// engineers who never opened it. Measured once by the lead when
		// those rules were final (f3bf679): 12 of 14 (85.7 %), 2 of 30
		// (6.7 %) — both below issue 14's lines. The rules before the
		// round (7137a4a) scored the same. Misses: a terse "553: DSBL Open
		// Relay" (dsbl, called other) and FrontBridge's own list
		// "88.blacklist.zap" at Microsoft's bigfish.com (microsoft, called
		// an unknown list); false alarms: policyd-weight's "temporarily
		// blocked because of previous errors - retrying too fast" (a rate
		// limit) and a per-user block "Your IP or Email address blocked by
		// the … User" (recipient policy). The batch is SEEN from now on.
		// Issue 14's tenth round fixed the four by kind (a list named
		// alone in a terse reply; FrontBridge's zone and hosts as
		// Microsoft's; retry-penalty rate limits; a user's own block):
		// 14 of 14, 0 of 30 — a SEEN result, which the floor and ceiling
		// keep; the untouched measurement stays 12/14 and 2/30.
		{file: "holdout8.tsv", minPos: 14, minNeg: 30, floor: 1 - 1e-9, ceiling: 0},
		// The ninth batch (issue 14's eleventh to thirteenth rounds:
		// gathered and labelled by an engineer who wrote no rule, from
		// OpenBSD spamd and greyd configurations, milter and filter
		// sources, pastebin bounces and list messages, split with seed
		// rblwatch-holdout10-2026; holdout9.tsv was never opened by the
		// engineers writing rules). Its development part, dev9.tsv, comes
		// from the same sources and the thirteenth round tuned on it, so
		// these rows are unseen but not from unseen sources. Measured by
		// the lead with the rules before the round (0606d5c): 18 of 22
		// (81.8 %), 2 of 24 (8.3 %); once, when the round's rules were
		// final (222b5b1): 20 of 22 (90.9 %), 2 of 24 (8.3 %) — the
		// accuracy meets issue 14's line, the false alarms miss it by two
		// rows. Misses: Cisco ESA's bare "[ESA] Sender blocked" (unknown,
		// called a recipient refusal) and a bare "554 <host name>"
		// (unknown, called other). False alarms: "we cannot resolve your
		// IP address" (reverse DNS, called an unknown list) and MagicSpam's
		// "You have been blacklisted" (a recipient's own block, called
		// magicspam). The batch is SEEN from now on; the lines keep the
		// measured result.
		{file: "holdout9.tsv", minPos: 22, minNeg: 24, floor: 20.0/22 - 1e-9, ceiling: 2.0/24 + 1e-9},
		// The tenth batch (gathered and labelled by an engineer who wrote no
		// rule, from the sources of SMTP servers, filters and policy
		// daemons, their sample configurations and documented logs, two
		// hosting help pages and two quoted bounces; split with seed
		// rblwatch-holdout11-2026), while issue 14's fourteenth round was
		// written by an engineer who never opened it. Measured by the lead
		// with the rules before the round (b86cf58): 13 of 17 (76.5 %), 1
		// of 33 (3.0 %); once when the round's rules were final (109c9d1):
		// 13 of 17, 0 of 33 — the one false alarm fixed ("You have been
		// blacklisted for sending SPAM.", a recipient's list of sender
		// addresses) is a text the round found in the same public source
		// (HestiaCP's Exim ACL) and wrote a rule for, so the round's gain on
		// unseen rows is nil: 13 of 17, 0 of 32 without that row, before and
		// after. The misses are all templates with the list or host masked:
		// "Sorry, known spam only source" and "Spam has recently been
		// received from %s" (called content), "550 Mail from %s refused due
		// to listing at %s" and "553 sorry, your mailserver [%s] is rejected
		// by %s" (called other). The batch is SEEN from now on.
		{file: "holdout10.tsv", minPos: 17, minNeg: 33, floor: 13.0/17 - 1e-9, ceiling: 0},
		// The eleventh batch (gathered and labelled this session by engineers
		// who wrote no rule; split with seed rblwatch-holdout12-2026; its
		// development part dev11.tsv was tuned on by the fifteenth round).
		// Measured by the lead with the rules at the session's start
		// (b004bc1): 9 of 9, 1 of 22 (4.5 %); once when the fifteenth
		// round's rules were final (73f5da0): 9 of 9 (100 %), 0 of 22 — both
		// of issue 14's lines met, on 9 block-list rows. SEEN from now on.
		{file: "holdout11.tsv", minPos: 9, minNeg: 22, floor: 1 - 1e-9, ceiling: 0, mustMeet: true},
		// The twelfth batch (gathered after the fifteenth round's rules
		// were final, by an engineer who wrote no rule; every row held out,
		// no development part). Measured by the lead at the session's start
		// (b004bc1) and once with the round's final rules (73f5da0): 12 of
		// 18 (66.7 %), 0 of 37 both times — the accuracy misses issue 14's
		// line by five rows. Misses (testdata/README.md): printf templates
		// of a list refusal (%A, %L), a ban for dictionary attacks, a
		// domain "sending nothing but spam", "we don't like spam here".
		// SEEN from now on.
		// Seen since: the later rounds were told the kinds of the misses
		// and fixed them by kind — 17 of 18, 0 of 37 at 966e622, which the
		// floor kept; 18 of 18, 0 of 37 after the eighteenth round
		// (ad5073c), which it keeps now.
		{file: "holdout12.tsv", minPos: 18, minNeg: 37, floor: 1 - 1e-9, ceiling: 0, mustMeet: true},
		// The thirteenth batch (every row held out, gathered while the
		// sixteenth round was written by an engineer who never opened it).
		// Measured by the lead at the session's start (b004bc1) and once
		// with that round's final rules (a43cec0): 11 of 14 (78.6 %), 0 of
		// 25, both times. Misses: Cyren by its former name's link
		// (commtouch.com), Spamhaus's ZRD by its nickname, an open-relay
		// refusal of our host. Seen since: rules17 fixed those kinds — 14
		// of 14, 0 of 25 at 966e622, which the lines keep.
		{file: "holdout13.tsv", minPos: 14, minNeg: 25, floor: 1 - 1e-9, ceiling: 0, mustMeet: true},
		// The fourteenth batch (every row held out, gathered while the
		// seventeenth round was written by an engineer who never opened it).
		// Measured by the lead at the session's start (b004bc1): 17 of 22,
		// 3 of 32; once with that round's final rules (966e622): 18 of 22
		// (81.8 %), 3 of 32 (9.4 %) — neither of issue 14's lines met. False
		// alarms: a country blacklisted by policy, an IP used as the HELO
		// name, a worm notice linking an antivirus vendor's page. Seen
		// since: rules18 was told those kinds, not the rows, and fixed them
		// by kind — 18 of 22, 0 of 32 at 83afc97, which the lines keep.
		// 20 of 22, 0 of 32 after the session's three rounds (ad5073c).
		{file: "holdout14.tsv", minPos: 22, minNeg: 32, floor: 20.0/22 - 1e-9, ceiling: 0, mustMeet: true},
		// The fifteenth batch (every row held out, gathered after the
		// session's rules were final, by an engineer who wrote no rule).
		// Measured by the lead at the session's start (b004bc1) and once
		// with the final rules (d3d4883): 6 of 6, 0 of 18, both times —
		// both of issue 14's lines met, on 6 block-list rows. SEEN from now
		// on.
		{file: "holdout15.tsv", minPos: 6, minNeg: 18, floor: 1 - 1e-9, ceiling: 0, mustMeet: true},
		// The sixteenth batch (every row held out: gathered by three
		// engineers who wrote no rule, from repositories' code and configs,
		// web pages and issue threads, and small mail servers and milters,
		// while this session's rounds were written by engineers who never
		// opened it; rows whose label the text alone could not decide were
		// left out before any measurement — see README.md). Measured by the
		// lead at the session's start (2cfa6d2) and once with the rounds'
		// final rules (8fe008d): 34 of 41 (82.9 %), 2 of 82 (2.4 %), both
		// times — neither of issue 14's lines met. SEEN since: rules21
		// was told the kinds of its misses, not the rows, and fixed them by
		// kind — 41 of 41, 0 of 82 at ad5073c, which the lines keep.
		{file: "holdout16.tsv", minPos: 41, minNeg: 82, floor: 1 - 1e-9, ceiling: 0, mustMeet: true},
		// The seventeenth batch (session 11): all held out, gathered by
		// three engineers who write no rules (code and fixtures, web pages,
		// issue threads) while rules22 and rules23 wrote the nineteenth
		// round without ever opening it; rows whose label the text alone
		// cannot decide, and rows whose wording the repository already
		// held, were left out before any measurement (README.md). Measured
		// by the lead at the session's start (f29f776) and once with the
		// round's final rules (7b124d8): 28 of 33 (84.8 %), 4 of 100 (4.0
		// %) both times — neither of issue 14's lines met. SEEN since:
		// rules24 was told the kinds of its misses, not the rows (a grep
		// of its showed two rows' starts), and fixed them by kind — 33 of
		// 33, 0 of 100 at 0e97651, which the lines keep.
		{file: "holdout17.tsv", minPos: 33, minNeg: 100, floor: 1 - 1e-9, ceiling: 0, mustMeet: true},
		// The eighteenth batch (session 11, after every rule of the session
		// was final): all held out, gathered in half an hour by three
		// engineers who write no rules, reviewed as the seventeenth.
		// Measured once by the lead with the session's final rules
		// (c699303), and with the rules at the session's start (f29f776):
		// 16 of 17 (94.1 %), 1 of 39 (2.6 %) both times — the accuracy line
		// met, the false-alarm line missed by its one row. SEEN since:
		// rules25 was told its two kinds, not the rows (ca8abd0, fe21f85,
		// and c8be8b9 for the placeholder form of the recipient's) — 17 of
		// 17, 0 of 39, which the lines keep.
		{file: "holdout18.tsv", minPos: 17, minNeg: 39, floor: 1 - 1e-9, ceiling: 0, mustMeet: true},
		// The nineteenth batch (session 11, after rules25 and c8be8b9, the
		// session's last rules): gathered in a quarter of an hour until the
		// search tools' budget ran out — 27 rows, 1 block-list. Measured
		// once with the final rules (17ae48c) and at the session's start
		// (f29f776): 1 of 1, 1 of 26 (3.8 %) both times ("551 Sender is on
		// domain's blacklist", labelled the receiver's own sender list).
		// Too few block-list rows to measure accuracy; the lines keep the
		// measurement from getting worse.
		{file: "holdout19.tsv", minPos: 1, minNeg: 26, floor: 1 - 1e-9, ceiling: 1.0/26 + 1e-9},
		// The twentieth batch (session 12): all held out, gathered in two
		// passes by six engineers who write no rules — the first from code,
		// web pages and issue threads (131 rows, 15 block-list), the second
		// for block-list refusals only, which the first found few of (30
		// rows, 23 block-list) — while rules26 and rules27 wrote the
		// twenty-second round without ever opening it; rows whose label
		// the text alone cannot decide, and wordings or templates the
		// repository already held, were left out before any measurement
		// (README.md). Measured once by the lead with the round's final
		// rules (647906c), and with the rules at the session's start
		// (0e1e0fd): 36 of 38 (94.7 %), 2 of 123 (1.6 %) both times — both
		// of issue 14's lines met. SEEN since: rules28 was told the kinds
		// of its four misses, not the rows, and fixed them by kind (d47f14f,
		// 55e00d8, b922520, ededaa6, 20bb88e, 32899fc, 3f7dbcf, e463e4e) —
		// 38 of 38, 0 of 123, which the lines keep.
		{file: "holdout20.tsv", minPos: 38, minNeg: 123, floor: 1 - 1e-9, ceiling: 0, mustMeet: true},
	} {
		t.Run(tt.file, func(t *testing.T) {
			rows := readRows(t, filepath.Join("testdata", tt.file))
			s := scoreRows(t, Default(), tt.file, rows)
			if s.pos < tt.minPos || s.neg < tt.minNeg {
				t.Fatalf("%s has %d blocklist and %d other rows", tt.file, s.pos, s.neg)
			}
			if s.posRate() < tt.floor {
				t.Errorf("provider accuracy %.1f %% < the measured floor %.1f %%", 100*s.posRate(), 100*tt.floor)
			}
			switch {
			case s.posRate() >= holdoutTarget:
			case tt.mustMeet:
				t.Errorf("provider accuracy %.1f %% < the acceptance line %.0f %% (issue 14)", 100*s.posRate(), 100*holdoutTarget)
			default:
				t.Logf("NOT MET: provider accuracy %.1f %% < the acceptance line %.0f %% (issue 14)", 100*s.posRate(), 100*holdoutTarget)
			}
			if s.fpRate() > tt.ceiling {
				t.Errorf("false blocklist rate %.1f %% > the measured ceiling %.1f %%", 100*s.fpRate(), 100*tt.ceiling)
			}
			if s.fpRate() > holdoutMaxAlarm {
				t.Logf("NOT MET: false blocklist rate %.1f %% > the acceptance line %.0f %% (issue 14)", 100*s.fpRate(), 100*holdoutMaxAlarm)
			}
		})
	}
}

// TestDev measures the rows the rules were tuned on, with the same
// thresholds: dev.tsv (the first three rounds), dev4.tsv (the fourth),
// dev5b.tsv (the fifth round's own gathering), dev5.tsv (the development
// part of the fifth round's new batch), dev7.tsv (the seventh's),
// dev8.tsv (the eighth's, from issue 14's tenth round: 11 of 12, 0 of 20)
// dev9.tsv (the ninth's, from the fourteenth round: 13 of 13, 0 of 11;
// 1 of 11 before it, cPanel's manually blacklisted domain) and dev10.tsv
// (the tenth's, from the fourteenth round: 12 of 12, 0 of 8 on its first
// part, 10 of 12 before; with its second part 15 of 15, 0 of 19, where
// the round's rules before the HELO and greylisting kinds scored 14 of
// 15, 1 of 19) and dev11.tsv (the eleventh's, from the fifteenth round:
// with its five parts 10 of 10, 0 of 20; 8 of 10, 1 of 20 before the round:
// ORBS named by a link's path on another site, "Connection refused - we
// hate spammers!", and "[SPFBL] blocked.", a filter's tag read as the
// list's name alone), dev17.tsv (the nineteenth round's), dev18.tsv
// (the twenty-second's: receivers' own refusals and look-alikes found
// this round) and devjp.tsv (the Japanese ISPs' real replies, issue 12:
// ぷらら's and SpinNet's refusals, ASAHIネット's and BIGLOBE's bounces).
func TestDev(t *testing.T) {
	for _, f := range []string{"dev.tsv", "dev4.tsv", "dev5b.tsv", "dev5.tsv", "dev7.tsv", "dev8.tsv", "dev9.tsv", "dev10.tsv", "dev11.tsv", "dev17.tsv", "dev18.tsv", "devjp.tsv"} {
		t.Run(f, func(t *testing.T) {
			s := scoreRows(t, Default(), f, readRows(t, filepath.Join("testdata", f)))
			if s.pos > 0 && s.posRate() < 0.90 { // (a file of other failures only has no accuracy)
				t.Errorf("provider accuracy %.1f %% < 90 %%", 100*s.posRate())
			}
			if s.fpRate() > 0.02 {
				t.Errorf("false blocklist rate %.1f %% > 2 %%", 100*s.fpRate())
			}
		})
	}
}

// TestSplitsAreDisjoint: no text is in both parts, nor in the corpus,
// extra.tsv or knownReplies; and every row has a source and a label of
// the corpus format (a catalog provider, unknown, or none:<reason> with a
// category), which it checks without classifying anything.
func TestSplitsAreDisjoint(t *testing.T) {
	seen := map[string]string{}
	for _, k := range knownReplies {
		seen[dedupKey(k.text)] = "knownReplies"
	}
	c := Default()
	for _, name := range []string{"testdata/extra.tsv", "testdata/dev.tsv", "testdata/holdout.tsv", "testdata/holdout2.tsv", "testdata/holdout3.tsv", "testdata/dev4.tsv", "testdata/holdout4.tsv", "testdata/dev5b.tsv", "testdata/dev5.tsv", "testdata/holdout5.tsv", "testdata/dev6.tsv", "testdata/holdout6.tsv", "testdata/dev7.tsv", "testdata/holdout7.tsv", "testdata/dev8.tsv", "testdata/holdout8.tsv", "testdata/dev9.tsv", "testdata/holdout9.tsv", "testdata/dev10.tsv", "testdata/holdout10.tsv", "testdata/dev11.tsv", "testdata/holdout11.tsv", "testdata/holdout12.tsv", "testdata/holdout13.tsv", "testdata/holdout14.tsv", "testdata/holdout15.tsv", "testdata/holdout16.tsv", "testdata/dev17.tsv", "testdata/holdout17.tsv", "testdata/holdout18.tsv", "testdata/holdout19.tsv", "testdata/dev18.tsv", "testdata/holdout20.tsv", "testdata/devjp.tsv"} {
		for _, r := range readRows(t, filepath.FromSlash(name)) {
			if r.source == "" {
				t.Errorf("%s:%d: no source", name, r.line)
			}
			if reason, ok := strings.CutPrefix(r.label, "none:"); ok {
				if _, known := reasonCategory[reason]; !known {
					t.Errorf("%s:%d: reason %q has no category mapping", name, r.line, reason)
				}
			} else if r.label != Unknown && c.Provider(r.label) == nil {
				t.Errorf("%s:%d: label %q is not a catalog provider", name, r.line, r.label)
			}
			k := dedupKey(r.text)
			if where, dup := seen[k]; dup {
				t.Errorf("%s:%d: text also in %s: %s", name, r.line, where, r.text)
			}
			seen[k] = name
		}
	}
}
