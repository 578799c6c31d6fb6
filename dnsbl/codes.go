package dnsbl

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// Code statuses (Code.Status). An empty status means CodeListed.
const (
	CodeListed  = "listed"  // the name is on the list
	CodeError   = "error"   // the list refused the query; never a listing
	CodeAllowed = "allowed" // a whitelist answer (Hostkarma 127.0.0.1); reported as clean
)

// Built-in safety net, applied to every zone whatever its Codes say:
//
//   - an answer outside 127.0.0.0/8 is an error (ErrBadAnswer): RFC 5782
//     answers live in 127/8, and anything else is a resolver rewriting
//     NXDOMAIN or a broken list;
//   - an answer in 127.255.255.0/24 is an error (ErrRefused): Spamhaus and
//     others use it for "public/open resolver" (254), "typing error in the
//     zone name" (252) and "over quota" (255).
//
// Neither can ever count as a listing.
var (
	loopback8  = netip.MustParsePrefix("127.0.0.0/8")
	refusal24  = netip.MustParsePrefix("127.255.255.0/24")
	refusalFor = map[string]string{
		"127.255.255.252": "the list says the zone name is mistyped",
		"127.255.255.254": "the list refuses queries from public/open resolvers: use your own resolver",
		"127.255.255.255": "the list says the query quota is exhausted",
	}
)

// codeRange is a parsed Code.Answer: an inclusive range of addresses.
type codeRange struct{ lo, hi netip.Addr }

func (r codeRange) contains(a netip.Addr) bool {
	return a.Compare(r.lo) >= 0 && a.Compare(r.hi) <= 0
}

// parseAnswer parses a Code.Answer: "127.0.0.2", "127.0.0.4-127.0.0.7" or
// "127.255.255.0/24".
func parseAnswer(s string) (codeRange, error) {
	s = strings.TrimSpace(s)
	if lo, hi, ok := strings.Cut(s, "-"); ok {
		l, err1 := netip.ParseAddr(strings.TrimSpace(lo))
		h, err2 := netip.ParseAddr(strings.TrimSpace(hi))
		if err := errors.Join(err1, err2); err != nil {
			return codeRange{}, fmt.Errorf("%w: %q: %w", ErrBadCode, s, err)
		}
		if !l.Is4() || !h.Is4() || h.Less(l) {
			return codeRange{}, fmt.Errorf("%w: %q: not an IPv4 range from low to high", ErrBadCode, s)
		}
		return codeRange{l, h}, nil
	}
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return codeRange{}, fmt.Errorf("%w: %q: %w", ErrBadCode, s, err)
		}
		if !p.Addr().Is4() {
			return codeRange{}, fmt.Errorf("%w: %q: not IPv4", ErrBadCode, s)
		}
		p = p.Masked()
		a := p.Addr().As4()
		base := uint64(a[0])<<24 | uint64(a[1])<<16 | uint64(a[2])<<8 | uint64(a[3])
		n := uint32(base | (uint64(1)<<(32-p.Bits()) - 1))
		hi := netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
		return codeRange{p.Addr(), hi}, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return codeRange{}, fmt.Errorf("%w: %q: %w", ErrBadCode, s, err)
	}
	if !a.Is4() {
		return codeRange{}, fmt.Errorf("%w: %q: not IPv4", ErrBadCode, s)
	}
	return codeRange{a, a}, nil
}

// Validate reports every problem of the zone at once: its name (with a
// stand-in key when it needs one) and each return code.
func (z Zone) Validate() error {
	var errs []error
	probe := z
	if probe.Key == "" {
		probe.Key = "key"
	}
	if _, err := probe.ZoneName(); err != nil {
		errs = append(errs, err)
	}
	if z.IPv4Only && z.Domain {
		errs = append(errs, fmt.Errorf("%w: ipv4_only on a domain list", ErrBadZone))
	}
	for i, c := range z.Codes {
		if _, err := parseAnswer(c.Answer); err != nil {
			errs = append(errs, fmt.Errorf("code %d: %w", i+1, err))
		}
		switch c.Status {
		case "", CodeListed, CodeError, CodeAllowed:
		default:
			errs = append(errs, fmt.Errorf("code %d: %w: status %q (want listed, error or allowed)", i+1, ErrBadCode, c.Status))
		}
	}
	return errors.Join(errs...)
}

// answer is the interpretation of one A answer.
type answer struct {
	status    string // CodeListed, CodeError or CodeAllowed
	meaning   string
	meaningJa string
	list      string // the sub-list (Code.List)
	err       error  // set when status is CodeError
}

// interpret gives the meaning of one A answer from the zone's code table
// (the first matching code wins; malformed codes are ignored, Validate
// reports them), then applies the built-in safety net.
func interpret(z Zone, a netip.Addr) answer {
	a = a.Unmap()
	var res answer
	matched := false
	for _, c := range z.Codes {
		r, err := parseAnswer(c.Answer)
		if err != nil || !r.contains(a) {
			continue
		}
		matched = true
		res.meaning, res.meaningJa, res.list = c.Meaning, c.MeaningJa, c.List
		switch c.Status {
		case CodeError:
			res.status = CodeError
		case CodeAllowed:
			res.status = CodeAllowed
		default:
			res.status = CodeListed
		}
		break
	}
	if !matched {
		res.status = CodeListed
	}
	switch {
	case !a.Is4() || !loopback8.Contains(a):
		res.status = CodeError
		res.err = fmt.Errorf("%w: %s", ErrBadAnswer, a)
	case refusal24.Contains(a):
		res.status = CodeError
		why := res.meaning
		if !matched || why == "" {
			why = refusalFor[a.String()]
		}
		if why == "" {
			why = "the list refused the query"
		}
		res.err = fmt.Errorf("%w: %s: %s", ErrRefused, a, why)
	case res.status == CodeError:
		why := res.meaning
		if why == "" {
			why = "the list refused the query"
		}
		res.err = fmt.Errorf("%w: %s: %s", ErrRefused, a, why)
	}
	return res
}
