package daemon

import (
	"context"
	"net"
	"os"
	"os/exec"
	"strings"
	"time"
)

// hostLookups are the sources of this host's name, replaceable in tests.
type hostLookups struct {
	// hostname is the kernel's host name (os.Hostname).
	hostname func() (string, error)
	// canonical is the resolver's canonical name of a host name, /etc/hosts
	// first, as "hostname -f" finds it.
	canonical func(ctx context.Context, host string) (string, error)
	// myhostname is Postfix's myhostname (postconf -h myhostname).
	myhostname func(ctx context.Context) (string, error)
}

// systemLookups asks the system.
var systemLookups = hostLookups{
	hostname:   os.Hostname,
	canonical:  net.DefaultResolver.LookupCNAME,
	myhostname: func(ctx context.Context) (string, error) { return postconf(ctx, "postconf") },
}

// postconf runs "postconf [args] -h myhostname".
func postconf(ctx context.Context, name string, args ...string) (string, error) {
	out, err := exec.CommandContext(ctx, name, append(args, "-h", "myhostname")...).Output()
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// postfixNoDomain is the domain Postfix makes up for myhostname when the
// host's name has none (Debian's single-label "mail" becomes
// "mail.localdomain" under Postfix's defaults): no name anyone knows the
// host by, nor a domain for notify.from, so the single label is better.
const postfixNoDomain = ".localdomain"

// hostLookupTimeout bounds the resolver's and postconf's answers at start.
const hostLookupTimeout = 3 * time.Second

// HostName returns the name this mail host is known by, for the notices'
// subjects and bodies, the default sender and the Message-IDs: configured
// (host_name) when set, else the fully qualified name (the host name when
// it has a dot, else the resolver's canonical name for it), else Postfix's
// myhostname (unless Postfix made it up: name.localdomain), else the host
// name as it is — a single label such as Debian's
// "mail" is still a name the postmaster knows, better than "this server".
func HostName(ctx context.Context, configured string) (string, error) {
	return hostName(ctx, configured, systemLookups)
}

func hostName(ctx context.Context, configured string, l hostLookups) (string, error) {
	if name := cleanHost(configured); name != "" {
		return name, nil
	}
	ctx, cancel := context.WithTimeout(ctx, hostLookupTimeout)
	defer cancel()
	short, err := l.hostname()
	short = cleanHost(short)
	if strings.Contains(short, ".") {
		return short, nil
	}
	if short != "" {
		if c, err := l.canonical(ctx, short); err == nil && strings.Contains(cleanHost(c), ".") {
			return cleanHost(c), nil
		}
	}
	if m, err := l.myhostname(ctx); err == nil && cleanHost(m) != "" && !strings.HasSuffix(cleanHost(m), postfixNoDomain) {
		return cleanHost(m), nil
	}
	if short == "" {
		return "", err
	}
	return short, nil
}

// cleanHost returns s lower-cased without a trailing dot when it is a DNS
// name (letters, digits, '-', '_', dots), else "".
func cleanHost(s string) string {
	s = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), "."))
	if s == "" || len(s) > 253 || strings.HasPrefix(s, ".") || strings.Contains(s, "..") {
		return ""
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return ""
		}
	}
	return s
}
