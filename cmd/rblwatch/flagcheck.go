package main

import (
	"fmt"
	"net/netip"
	"time"
)

// Checks of the flags explain and replay share, so that both refuse a bad
// value alike (usage error, exit 2) instead of one of them running with it.

// checkLang accepts the languages of the texts: en and ja.
func checkLang(cmd, lang string) error {
	if lang != "en" && lang != "ja" {
		return usageError{fmt.Sprintf("%s: --lang must be en or ja, not %q", cmd, lang)}
	}
	return nil
}

// checkSendingIP accepts an empty flag or one IP address (an IPv4-mapped
// IPv6 address is its IPv4 address) and returns it in its usual form.
func checkSendingIP(cmd, s string) (string, error) {
	if s == "" {
		return "", nil
	}
	ip, err := netip.ParseAddr(s)
	if err != nil || ip.Zone() != "" {
		return "", usageError{fmt.Sprintf("%s: --sending-ip: %s is not an IP address", cmd, quoteFlag(s))}
	}
	return ip.Unmap().String(), nil
}

// checkSettle accepts a duration of zero or more.
func checkSettle(cmd string, d time.Duration) error {
	if d < 0 {
		return usageError{fmt.Sprintf("%s: --settle must not be negative (%v); 0s clears at the delivery", cmd, d)}
	}
	return nil
}

// quoteFlag quotes a flag's value for a message, at most its first 64 bytes.
func quoteFlag(s string) string {
	if len(s) > 64 {
		return fmt.Sprintf("%q… (%d bytes)", s[:64], len(s))
	}
	return fmt.Sprintf("%q", s)
}
