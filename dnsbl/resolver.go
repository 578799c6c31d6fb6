package dnsbl

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Defaults for Resolver fields left zero.
const (
	DefaultTimeout  = 2 * time.Second
	DefaultAttempts = 2
)

// Resolver says which DNS server answers the queries and how patiently.
// It is configuration only: every query goes to Server, and there is no
// fallback to the system resolver (an empty Server fails with
// ErrNoResolver).
type Resolver struct {
	// Server is "host:port" of a recursive resolver (or of the list's
	// own server), e.g. "127.0.0.1:53" or "[::1]:53".
	Server string
	// Timeout bounds one attempt; DefaultTimeout when zero.
	Timeout time.Duration
	// Attempts is how many times a UDP query is sent before giving up
	// on a timeout or network error; DefaultAttempts when zero.
	Attempts int
	// Cache, when set, keeps answers for their TTL.
	Cache *Cache
}

func (r *Resolver) timeout() time.Duration {
	if r.Timeout > 0 {
		return r.Timeout
	}
	return DefaultTimeout
}

func (r *Resolver) attempts() int {
	if r.Attempts > 0 {
		return r.Attempts
	}
	return DefaultAttempts
}

// exchange sends one question to the server: over UDP, retried on timeouts
// and network errors, then over TCP when the UDP answer is truncated. The
// answer's ID and question are checked against the query.
func (r *Resolver) exchange(ctx context.Context, qname string, qtype uint16) (*dns.Msg, error) {
	if r == nil || r.Server == "" {
		return nil, ErrNoResolver
	}
	var lastErr error
	for attempt := 0; attempt < r.attempts(); attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrDNS, err)
		}
		resp, err := r.exchangeOnce(ctx, "udp", qname, qtype)
		if err != nil {
			lastErr = err
			continue
		}
		if resp.Truncated {
			resp, err = r.exchangeOnce(ctx, "tcp", qname, qtype)
			if err != nil {
				return nil, fmt.Errorf("%w: over tcp after a truncated answer: %w", ErrDNS, err)
			}
		}
		return resp, nil
	}
	if isTimeout(lastErr) {
		return nil, fmt.Errorf("%w: no answer from %s after %d attempts of %v", ErrTimeout, r.Server, r.attempts(), r.timeout())
	}
	return nil, fmt.Errorf("%w: querying %s: %w", ErrDNS, r.Server, lastErr)
}

func (r *Resolver) exchangeOnce(ctx context.Context, network, qname string, qtype uint16) (*dns.Msg, error) {
	m := new(dns.Msg)
	m.SetQuestion(qname, qtype)
	m.RecursionDesired = true
	m.SetEdns0(1232, false)
	c := &dns.Client{Net: network, Timeout: r.timeout()}
	conn, err := c.DialContext(ctx, r.Server)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	// The library obeys the context's deadline, not its cancellation.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	resp, _, err := c.ExchangeWithConnContext(ctx, m, conn)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	if len(resp.Question) != 1 || !strings.EqualFold(resp.Question[0].Name, qname) || resp.Question[0].Qtype != qtype {
		return nil, errors.New("answer to another question")
	}
	return resp, nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// ParseResolvConf returns the name servers of a resolv.conf file's content
// as "host:port" (port 53), in order. Link-local IPv6 servers keep their
// "%zone". It fails with ErrNoResolver when the file names none; unlike the
// C library it does not fall back to 127.0.0.1, so a missing server never
// goes unnoticed.
func ParseResolvConf(content []byte) ([]string, error) {
	var servers []string
	sc := bufio.NewScanner(bytes.NewReader(content))
	sc.Buffer(make([]byte, 0, 4096), 64*1024)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexAny(line, "#;"); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != "nameserver" {
			continue
		}
		host := f[1]
		addr, err := netip.ParseAddr(host)
		if err != nil {
			continue // glibc ignores what is not an address too
		}
		servers = append(servers, net.JoinHostPort(addr.String(), "53"))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading resolv.conf: %w", err)
	}
	if len(servers) == 0 {
		return nil, fmt.Errorf("%w: no nameserver line in resolv.conf", ErrNoResolver)
	}
	return servers, nil
}

// ServerAddr normalises a resolver address given by a user: "127.0.0.1",
// "::1" or "[::1]" get port 53; "host:port" is kept. Only IP addresses are
// accepted as the host, so choosing the resolver never needs a resolver.
func ServerAddr(s string) (string, error) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")); err == nil {
		return net.JoinHostPort(a.String(), "53"), nil
	}
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		return "", fmt.Errorf("%w: %q: want IP or IP:PORT", ErrBadServer, s)
	}
	if ap.Port() == 0 {
		return "", fmt.Errorf("%w: %q: port 0", ErrBadServer, s)
	}
	return ap.String(), nil
}

// publicResolvers are well-known public recursive resolvers, which the big
// lists (Spamhaus, URIBL, SURBL, Barracuda, …) refuse or answer with an
// error code; a mail host must use its own resolver for DNSBL lookups.
var publicResolvers = map[string]string{
	"8.8.8.8": "Google Public DNS", "8.8.4.4": "Google Public DNS",
	"2001:4860:4860::8888": "Google Public DNS", "2001:4860:4860::8844": "Google Public DNS",
	"1.1.1.1": "Cloudflare", "1.0.0.1": "Cloudflare", "1.1.1.2": "Cloudflare", "1.0.0.2": "Cloudflare",
	"1.1.1.3": "Cloudflare", "1.0.0.3": "Cloudflare",
	"2606:4700:4700::1111": "Cloudflare", "2606:4700:4700::1001": "Cloudflare",
	"9.9.9.9": "Quad9", "149.112.112.112": "Quad9", "9.9.9.10": "Quad9", "149.112.112.10": "Quad9",
	"9.9.9.11": "Quad9", "149.112.112.11": "Quad9",
	"2620:fe::fe": "Quad9", "2620:fe::9": "Quad9", "2620:fe::10": "Quad9", "2620:fe::11": "Quad9",
	"208.67.222.222": "OpenDNS", "208.67.220.220": "OpenDNS", "208.67.222.123": "OpenDNS", "208.67.220.123": "OpenDNS",
	"2620:119:35::35": "OpenDNS", "2620:119:53::53": "OpenDNS",
	"94.140.14.14": "AdGuard DNS", "94.140.15.15": "AdGuard DNS",
	"2a10:50c0::ad1:ff": "AdGuard DNS", "2a10:50c0::ad2:ff": "AdGuard DNS",
	"4.2.2.1": "Level 3", "4.2.2.2": "Level 3", "4.2.2.3": "Level 3", "4.2.2.4": "Level 3",
	"4.2.2.5": "Level 3", "4.2.2.6": "Level 3",
	"77.88.8.8": "Yandex DNS", "77.88.8.1": "Yandex DNS",
	"185.228.168.9": "CleanBrowsing", "185.228.169.9": "CleanBrowsing",
	"76.76.2.0": "Control D", "76.76.10.0": "Control D",
	"8.26.56.26": "Comodo Secure DNS", "8.20.247.20": "Comodo Secure DNS",
	"64.6.64.6": "Verisign Public DNS", "64.6.65.6": "Verisign Public DNS",
	"84.200.69.80": "DNS.WATCH", "84.200.70.40": "DNS.WATCH",
}

// PublicResolver reports whether server ("host:port" or a bare address)
// is a well-known public resolver, and whose. Lists such as Spamhaus answer
// queries coming through those with 127.255.255.254 or not at all, so
// results through them are worthless: warn the operator.
func PublicResolver(server string) (operator string, public bool) {
	host := server
	if h, _, err := net.SplitHostPort(server); err == nil {
		host = h
	}
	a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	if err != nil {
		return "", false
	}
	op, ok := publicResolvers[a.Unmap().WithZone("").String()]
	return op, ok
}
