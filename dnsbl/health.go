package dnsbl

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
)

// RFC 5782 §5 test points: every list must list the first and must not
// list the second. An address list has them for IPv4 (127.0.0.2,
// 127.0.0.1) and, when it lists IPv6, for IPv6 (::FFFF:7F00:2,
// ::FFFF:7F00:1, queried in the nibble form of the IPv4-mapped address);
// a domain list has "test" and "invalid".
var (
	testListed4, testClean4 = netip.AddrFrom4([4]byte{127, 0, 0, 2}), netip.AddrFrom4([4]byte{127, 0, 0, 1})
	testListed6, testClean6 = netip.AddrFrom16(testListed4.As16()), netip.AddrFrom16(testClean4.As16())
)

// family is the kind of test points a target is answered with.
type family string

const (
	familyIPv4   family = "ipv4"
	familyIPv6   family = "ipv6"
	familyDomain family = "domain"
)

func familyOf(t Target) family {
	switch {
	case t.IsDomain():
		return familyDomain
	case t.IP.Is4():
		return familyIPv4
	default:
		return familyIPv6
	}
}

// CheckHealth checks the RFC 5782 test points of zone for IPv4 addresses
// (for domain lists, "test" and "invalid"): see CheckHealthFor.
func CheckHealth(ctx context.Context, log *zap.Logger, r *Resolver, zone Zone, now time.Time) error {
	t := Target{IP: testListed4}
	if zone.Domain {
		t = Target{Domain: "test"}
	}
	return CheckHealthFor(ctx, log, r, zone, t, now)
}

// CheckHealthFor checks the RFC 5782 test points of zone for targets of
// t's kind: 127.0.0.2 must be listed and 127.0.0.1 must not for an IPv4
// address, "test" and "invalid" for a domain. For an IPv6 address
// ::FFFF:7F00:2 and ::FFFF:7F00:1 are asked first; many lists, those that
// list IPv6 addresses included, lack that point, so a zone whose
// ::FFFF:7F00:2 is not listed passes on its IPv4 points instead: a list
// alive on IPv4 answers an IPv6 query definitely (NXDOMAIN: not listed).
// ::FFFF:7F00:1 listed still fails it (a zone answering everything). It
// returns nil when the points hold, an error wrapping ErrUnhealthy when the
// list answers wrongly (a dead or mistyped zone, a resolver answering
// NXDOMAIN for everything, a list answering everything), and the lookup's
// error (ErrDNS, ErrRefused, ErrNoKey, …) when it could not tell: an error
// is not a dead zone. A whitelist answer counts as an entry for the first
// point (RFC 5782 §5 asks the same of whitelists), and is fine for the
// second. The cache is bypassed: health is about the list now.
func CheckHealthFor(ctx context.Context, log *zap.Logger, r *Resolver, zone Zone, t Target, now time.Time) error {
	if zone.Domain != t.IsDomain() {
		_, err := QueryName(zone, t)
		return err // ErrWrongKind (or the zone's own error)
	}
	var direct *Resolver
	if r != nil {
		rc := *r
		rc.Cache = nil
		direct = &rc
	}
	switch familyOf(t) {
	case familyDomain:
		return testPoints(ctx, log, direct, zone, Target{Domain: "test"}, Target{Domain: "invalid"}, now)
	case familyIPv4:
		return testPoints(ctx, log, direct, zone, Target{IP: testListed4}, Target{IP: testClean4}, now)
	}
	err := testPoints(ctx, log, direct, zone, Target{IP: testListed6}, Target{IP: testClean6}, now)
	if !errors.As(err, new(pointMissing)) {
		return err
	}
	switch err4 := testPoints(ctx, log, direct, zone, Target{IP: testListed4}, Target{IP: testClean4}, now); {
	case err4 == nil:
		return nil
	case errors.As(err4, new(pointMissing)):
		return fmt.Errorf("%w: neither %s nor %s is listed (a dead or mistyped zone)", ErrUnhealthy, pointName(Target{IP: testListed6}), pointName(Target{IP: testListed4}))
	default:
		return err4
	}
}

// pointMissing is the ErrUnhealthy of a first test point not listed.
type pointMissing struct{ point string }

func (e pointMissing) Error() string {
	return fmt.Sprintf("%v: %s is not listed (a dead or mistyped zone, or one that lists no such targets)", ErrUnhealthy, e.point)
}

func (e pointMissing) Unwrap() error { return ErrUnhealthy }

// testPoints looks up both test points of one kind at once: listedPoint
// must be listed, cleanPoint must not.
func testPoints(ctx context.Context, log *zap.Logger, direct *Resolver, zone Zone, listedPoint, cleanPoint Target, now time.Time) error {
	var l, c Result
	var wg sync.WaitGroup
	wg.Go(func() { l = lookupText(ctx, log, direct, zone, listedPoint, now, false) })
	c = lookupText(ctx, log, direct, zone, cleanPoint, now, false)
	wg.Wait()
	switch {
	case l.Status == StatusError:
		return fmt.Errorf("test point %s: %w", pointName(listedPoint), l.Err)
	case c.Status == StatusError:
		return fmt.Errorf("test point %s: %w", pointName(cleanPoint), c.Err)
	case l.Status != StatusListed && !l.Allowed:
		return pointMissing{pointName(listedPoint)}
	case c.Status != StatusClean: // a whitelist answer (clean, Allowed) is fine
		return fmt.Errorf("%w: %s is listed (%s): the zone answers everything", ErrUnhealthy, pointName(cleanPoint), strings.Join(c.Codes, ", "))
	}
	return nil
}

// pointName writes a test point as RFC 5782 does (::FFFF:7F00:2 rather
// than netip's ::ffff:127.0.0.2).
func pointName(t Target) string {
	if t.IP.Is4In6() {
		a := t.IP.As16()
		return fmt.Sprintf("::FFFF:%X:%X", uint16(a[12])<<8|uint16(a[13]), uint16(a[14])<<8|uint16(a[15]))
	}
	return t.String()
}

// Health holds the test point verdicts of one round (one rblwatch check,
// one self-check): each zone is tested once per kind of target, however
// many targets ask, and concurrent askers wait for the one test. Make one
// with NewHealth for each round, so that a zone that comes back is seen at
// the next.
type Health struct {
	mu   sync.Mutex
	done map[string]*healthEntry
}

type healthEntry struct {
	once sync.Once
	err  error
}

// NewHealth returns an empty round.
func NewHealth() *Health { return &Health{done: map[string]*healthEntry{}} }

// Zone returns CheckHealthFor(zone, t), asking the DNS only the first time
// in the round for the zone and t's kind.
func (h *Health) Zone(ctx context.Context, log *zap.Logger, r *Resolver, zone Zone, t Target, now time.Time) error {
	key := normZone(zone.Name) + "\x00" + string(familyOf(t))
	h.mu.Lock()
	e := h.done[key]
	if e == nil {
		e = &healthEntry{}
		h.done[key] = e
	}
	h.mu.Unlock()
	e.once.Do(func() { e.err = CheckHealthFor(ctx, log, r, zone, t, now) })
	return e.err
}

// CheckRound is Check for a round with test points: a zone that fails its
// test point for the target's kind, or whose test point could not be
// looked up, gives an error result ("could not tell") whatever it answered
// for target — a dead zone's NXDOMAIN is no "clean", and a zone answering
// everything lists nothing. The zone's own answer is kept in Codes. A nil
// h looks up no test point (Check).
func CheckRound(ctx context.Context, log *zap.Logger, r *Resolver, h *Health, zones []Zone, target string, now time.Time) []Result {
	results := make([]Result, len(zones))
	t, err := ParseTarget(target)
	if err != nil {
		for i, z := range zones {
			results[i] = withErr(Result{Zone: z.Name, Target: target}, err)
		}
		return results
	}
	var wg sync.WaitGroup
	for i, z := range zones {
		if h == nil || noIPv6(z, t) { // no test point: nothing is asked
			wg.Go(func() { results[i] = lookup(ctx, log, r, z, t, now) })
			continue
		}
		wg.Go(func() {
			// The test point and the target at once: a round takes no
			// longer than Check's.
			var herr error
			var hwg sync.WaitGroup
			hwg.Go(func() { herr = h.Zone(ctx, log, r, z, t, now) })
			res := lookup(ctx, log, r, z, t, now)
			hwg.Wait()
			if res.Status == StatusError {
				results[i] = res // its own error says more
				return
			}
			if err := herr; err != nil {
				res = withErr(Result{Zone: res.Zone, Target: res.Target, Codes: res.Codes, Cached: res.Cached}, err)
			}
			results[i] = res
		})
	}
	wg.Wait()
	return results
}
