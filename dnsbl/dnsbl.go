// Package dnsbl looks IP addresses and domain names up in DNS block lists
// (RFC 5782) over github.com/miekg/dns, and says what each answer means.
//
// The face is small: Lookup (one zone), Check (many zones in parallel),
// CheckHealth (the RFC 5782 test points) and CheckRound (Check that trusts
// a zone only when it passes its test points, each tested once a round), with a Resolver saying which
// server to ask and an optional Cache. Every dependency is a parameter:
// the package keeps no state and reads no clock, no file and no system
// resolver configuration (ParseResolvConf parses content it is given).
//
// Statuses are three: listed, clean and error. An error is "unknown": a
// timeout, SERVFAIL, REFUSED, a network failure, a zone needing a key that
// is not configured, an answer the list uses to refuse the query, an answer
// about other names than the one asked, or more than MaxAnswers answers.
// It is never reported as listed nor as clean. Whitelist answers (a Code with
// status "allowed", e.g. Hostkarma's 127.0.0.1) are reported as clean,
// with the code and its meaning kept in the result.
//
// The return-code table of a Zone gives each answer its meaning; on top of
// it a built-in safety net applies to every zone: an answer in
// 127.255.255.0/24 (Spamhaus: public/open resolver, typo, over quota) or
// outside 127.0.0.0/8 is an error, never a listing.
package dnsbl

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"
	"go.uber.org/zap"
)

// Errors. Result.Err wraps one of them.
var (
	ErrDNS        = errors.New("dnsbl: dns error")                  // timeout, SERVFAIL, REFUSED, network error, malformed answer
	ErrRefused    = errors.New("dnsbl: list refused the query")     // an error answer (127.255.255.0/24, or a Code with status "error")
	ErrBadAnswer  = errors.New("dnsbl: answer outside 127.0.0.0/8") // a resolver rewriting NXDOMAIN, or a broken list
	ErrNoKey      = errors.New("dnsbl: no key configured")          // the zone needs a subscriber key
	ErrBadKey     = errors.New("dnsbl: invalid key")                // a key must be one DNS label
	ErrBadZone    = errors.New("dnsbl: invalid zone name")
	ErrBadCode    = errors.New("dnsbl: invalid return code")          // from Zone.Validate
	ErrBadTarget  = errors.New("dnsbl: invalid target")               // neither an IP address nor a domain name
	ErrWrongKind  = errors.New("dnsbl: target does not fit the zone") // an IP for a domain list, or the reverse
	ErrNoResolver = errors.New("dnsbl: no resolver configured")       // no fallback to the system resolver, ever
	ErrBadServer  = errors.New("dnsbl: invalid resolver address")
	ErrUnhealthy  = errors.New("dnsbl: could not tell: the zone fails its RFC 5782 test point")
)

// MaxAnswers is the most different A answers a list may give for one name;
// more is a broken or hostile server, an error (never a listing), and keeps
// the codes shown and exported bounded.
const MaxAnswers = 32

// ErrTimeout is the ErrDNS of a server that did not answer in time.
var ErrTimeout = fmt.Errorf("%w: timeout", ErrDNS)

// Status of a name in a list.
type Status string

const (
	StatusListed Status = "listed" // the list names it
	StatusClean  Status = "clean"  // NXDOMAIN, no A record, or a whitelist answer
	StatusError  Status = "error"  // unknown: the lookup failed or the list refused it
)

// Result is the outcome of looking one target up in one zone.
type Result struct {
	// Zone is the zone's name as configured: "{key}" stays unexpanded so
	// the key never shows in output or logs.
	Zone   string `json:"zone"`
	Target string `json:"target"`
	Status Status `json:"status"`
	// Codes are the A answers, sorted ("127.0.0.2").
	Codes []string `json:"codes,omitempty"`
	// Meaning joins the meanings of the codes ("; "): of the listing
	// codes when listed, of the whitelist codes when allowed, of the
	// error codes when refused.
	Meaning string `json:"meaning,omitempty"`
	// MeaningJa is Meaning in Japanese, from the codes that have one.
	MeaningJa string `json:"meaning_ja,omitempty"`
	// Lists are the provider's sub-lists the answers name (Code.List),
	// in the order of the answers, each once.
	Lists []string `json:"lists,omitempty"`
	// TXT is the list's reason text, sanitised (see Sanitize): remote,
	// attacker-controlled text.
	TXT string `json:"txt,omitempty"`
	// Allowed is set when the answer is a whitelist code (Status clean).
	Allowed bool `json:"allowed,omitempty"`
	// Err is set when Status is StatusError, and Reason is its text.
	Err    error  `json:"-"`
	Reason string `json:"error,omitempty"`
	// TTL is how long the answer stays valid (for a negative answer, the
	// SOA minimum); zero when unknown or on errors.
	TTL time.Duration `json:"-"`
	// Cached is set when the answer came from the cache.
	Cached bool `json:"cached,omitempty"`
	// NoIPv6 is set (Status clean) for an IPv6 address in a zone that
	// lists no IPv6 addresses (Zone.IPv4Only): nothing was asked.
	NoIPv6 bool `json:"no_ipv6,omitempty"`
}

// rawAnswer is what the DNS said about one name, before interpretation;
// the cache keeps these.
type rawAnswer struct {
	addrs []netip.Addr // A answers; none means NXDOMAIN or NODATA
	txt   string       // sanitised reason text
	ttl   time.Duration
}

// Lookup looks target (an IP address or a domain name, see ParseTarget) up
// in zone through r. now is the time for the cache. It never fails: errors
// are reported in the Result with StatusError.
func Lookup(ctx context.Context, log *zap.Logger, r *Resolver, zone Zone, target string, now time.Time) Result {
	res := Result{Zone: zone.Name, Target: target}
	t, err := ParseTarget(target)
	if err != nil {
		return withErr(res, err)
	}
	res.Target = t.String()
	return lookup(ctx, log, r, zone, t, now)
}

func withErr(res Result, err error) Result {
	res.Status, res.Err, res.Reason = StatusError, err, err.Error()
	return res
}

func lookup(ctx context.Context, log *zap.Logger, r *Resolver, zone Zone, t Target, now time.Time) Result {
	if noIPv6(zone, t) {
		return Result{Zone: zone.Name, Target: t.String(), Status: StatusClean, NoIPv6: true}
	}
	return lookupText(ctx, log, r, zone, t, now, true)
}

// noIPv6 reports whether t is an IPv6 address and zone lists none.
func noIPv6(zone Zone, t Target) bool {
	return zone.IPv4Only && !zone.Domain && !t.IsDomain() && !t.IP.Is4()
}

// lookupText is lookup; withText false skips the reason text of a listing
// (a test point's says nothing).
func lookupText(ctx context.Context, log *zap.Logger, r *Resolver, zone Zone, t Target, now time.Time, withText bool) Result {
	if log == nil {
		log = zap.NewNop()
	}
	res := Result{Zone: zone.Name, Target: t.String()}
	qname, err := QueryName(zone, t)
	if err != nil {
		return withErr(res, err)
	}
	var cache *Cache
	if r != nil {
		cache = r.Cache
	}
	ans, cached := rawAnswer{}, false
	if cache != nil {
		ans, cached = cache.get(qname, now)
	}
	if !cached {
		ans, err = query(ctx, log, r, zone, qname, withText)
		if err != nil {
			log.Debug("dnsbl lookup failed", zap.String("zone", zone.Name), zap.String("target", res.Target), zap.Error(err))
			return withErr(res, err)
		}
	}
	res = interpretAnswer(res, zone, ans)
	res.Cached = cached
	if !cached && cache != nil && res.Status != StatusError {
		cache.put(qname, ans, now)
	}
	log.Debug("dnsbl lookup", zap.String("zone", zone.Name), zap.String("target", res.Target),
		zap.String("status", string(res.Status)), zap.Strings("codes", res.Codes), zap.Bool("cached", cached))
	return res
}

// query asks for the A records of qname and, when one is a listing in
// zone and withText is set, for the TXT records (the reason text; its failure only loses the
// text).
func query(ctx context.Context, log *zap.Logger, r *Resolver, zone Zone, qname string, withText bool) (rawAnswer, error) {
	resp, err := r.exchange(ctx, qname, dns.TypeA)
	if err != nil {
		return rawAnswer{}, err
	}
	var ans rawAnswer
	switch resp.Rcode {
	case dns.RcodeSuccess, dns.RcodeNameError:
	default:
		return rawAnswer{}, fmt.Errorf("%w: %s from %s", ErrDNS, rcodeName(resp.Rcode), r.Server)
	}
	var ttl uint32
	first := true
	ours := about(qname, resp.Answer)
	if len(resp.Answer) > 0 && len(ours) == 0 {
		// Records, none about the name asked: not a "no record" answer
		// either, so it decides nothing.
		return rawAnswer{}, fmt.Errorf("%w: the answer is about other names than %s", ErrBadAnswer, qname)
	}
	for _, rr := range ours {
		a, ok := rr.(*dns.A)
		if !ok {
			continue // CNAMEs on the way
		}
		ip, ok := netip.AddrFromSlice(a.A)
		if !ok {
			continue
		}
		ans.addrs = append(ans.addrs, ip.Unmap())
		if first || a.Hdr.Ttl < ttl {
			ttl, first = a.Hdr.Ttl, false
		}
	}
	if resp.Rcode == dns.RcodeNameError || len(ans.addrs) == 0 {
		// NXDOMAIN or NODATA: clean, cached per RFC 2308.
		ans.addrs = nil
		ans.ttl = negativeTTL(resp)
		return ans, nil
	}
	slices.SortFunc(ans.addrs, func(a, b netip.Addr) int { return a.Compare(b) })
	ans.addrs = slices.Compact(ans.addrs)
	if len(ans.addrs) > MaxAnswers {
		return rawAnswer{}, fmt.Errorf("%w: %d different answers (a list gives a few)", ErrBadAnswer, len(ans.addrs))
	}
	ans.ttl = time.Duration(ttl) * time.Second

	if !withText || !anyListing(zone, ans.addrs) {
		return ans, nil
	}
	tresp, err := r.exchange(ctx, qname, dns.TypeTXT)
	if err != nil || tresp.Rcode != dns.RcodeSuccess {
		log.Debug("dnsbl: no reason text", zap.Error(err))
		return ans, nil
	}
	var records [][]string
	for _, rr := range about(qname, tresp.Answer) {
		if t, ok := rr.(*dns.TXT); ok {
			records = append(records, t.Txt)
			if d := time.Duration(t.Hdr.Ttl) * time.Second; d < ans.ttl {
				ans.ttl = d
			}
		}
	}
	ans.txt = txtText(records)
	return ans, nil
}

// about returns the records of an answer that are about qname: owned by it
// or by a name a CNAME chain from it leads to (at most 8 links). Records
// about other names — a broken or hostile resolver stuffing its answer —
// are dropped: they must never count as a listing of qname.
func about(qname string, rrs []dns.RR) []dns.RR {
	names := []string{qname}
	isOurs := func(name string) bool {
		for _, n := range names {
			if strings.EqualFold(n, name) {
				return true
			}
		}
		return false
	}
	for range 8 {
		grew := false
		for _, rr := range rrs {
			if c, ok := rr.(*dns.CNAME); ok && isOurs(c.Hdr.Name) && !isOurs(c.Target) {
				names = append(names, c.Target)
				grew = true
			}
		}
		if !grew {
			break
		}
	}
	out := rrs[:0:0]
	for _, rr := range rrs {
		if isOurs(rr.Header().Name) {
			out = append(out, rr)
		}
	}
	return out
}

// anyListing reports whether some address is a listing in zone, which is
// when a reason text is worth asking for.
func anyListing(zone Zone, addrs []netip.Addr) bool {
	for _, a := range addrs {
		if interpret(zone, a).status == CodeListed {
			return true
		}
	}
	return false
}

// negativeTTL is the lesser of the SOA record's TTL and its MINIMUM field
// (RFC 2308 §5), or zero when the answer carries no SOA.
func negativeTTL(resp *dns.Msg) time.Duration {
	for _, rr := range resp.Ns {
		if soa, ok := rr.(*dns.SOA); ok {
			return time.Duration(min(soa.Hdr.Ttl, soa.Minttl)) * time.Second
		}
	}
	return 0
}

func rcodeName(rc int) string {
	if s, ok := dns.RcodeToString[rc]; ok {
		return s
	}
	return "rcode " + strconv.Itoa(rc)
}

// interpretAnswer fills res from the answer: codes, status, meaning, text.
// Any error answer makes the whole result an error; otherwise any listing
// answer makes it listed; whitelist answers alone make it clean.
func interpretAnswer(res Result, zone Zone, ans rawAnswer) Result {
	res.TTL = ans.ttl
	if len(ans.addrs) == 0 {
		res.Status = StatusClean
		return res
	}
	// The meanings (English, Japanese) and sub-lists of each kind of
	// answer.
	type kind struct{ en, ja, lists []string }
	var listed, allowed, errs kind
	add := func(k *kind, in answer) {
		k.en = appendMeaning(k.en, in.meaning)
		k.ja = appendMeaning(k.ja, in.meaningJa)
		k.lists = appendMeaning(k.lists, in.list)
	}
	var firstErr error
	nListed := 0
	for _, a := range ans.addrs {
		res.Codes = append(res.Codes, a.String())
		in := interpret(zone, a)
		switch in.status {
		case CodeError:
			if firstErr == nil {
				firstErr = in.err
			}
			add(&errs, in)
		case CodeAllowed:
			add(&allowed, in)
		default:
			nListed++
			add(&listed, in)
		}
	}
	var k kind
	switch {
	case firstErr != nil:
		res.Status, res.Err, res.Reason = StatusError, firstErr, firstErr.Error()
		k = errs
		res.TTL = 0
	case nListed > 0:
		res.Status = StatusListed
		k = listed
		res.TXT = ans.txt
	default:
		res.Status, res.Allowed = StatusClean, true
		k = allowed
	}
	res.Meaning, res.MeaningJa, res.Lists = strings.Join(k.en, "; "), strings.Join(k.ja, "; "), k.lists
	return res
}

func appendMeaning(list []string, m string) []string {
	if m == "" || slices.Contains(list, m) {
		return list
	}
	return append(list, m)
}

// Check looks target up in every zone at once and returns the results in
// the order of zones, without the zones' test points (CheckRound with no
// Health). A target that is neither an IP address nor a domain name gives
// one error result per zone.
func Check(ctx context.Context, log *zap.Logger, r *Resolver, zones []Zone, target string, now time.Time) []Result {
	return CheckRound(ctx, log, r, nil, zones, target, now)
}
