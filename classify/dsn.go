package classify

import (
	"regexp"
	"strings"
)

// headerLine matches a mail header field line: "Name: value".
var headerLine = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{0,76}:(?:[ \t]|$)`)

// LooksLikeMessage reports whether line, the first non-blank line of an
// input, starts a mail message (a bounce forwarded by a user, a DSN) rather
// than a reply text or a log line.
func LooksLikeMessage(line string) bool {
	return headerLine.MatchString(line) && !strings.HasPrefix(strings.ToLower(line), "error:")
}

// InputsFromMessage finds the failures a bounce reports: every
// Diagnostic-Code of its delivery-status part (RFC 3464), unfolded, with the
// Remote-MTA of the same recipient; for a bounce written for people only, the
// "host X said: …" and "refused to talk to me" paragraphs of its text, as
// Postfix writes them. The returned original message, if any, is not read:
// a quoted bounce inside it is not ours. Identical failures are reported
// once. It returns nil when the message names no failure.
func InputsFromMessage(msg, sendingIP string) []Input {
	lines := unfold(msg)
	var out []Input
	seen := map[string]bool{}
	add := func(in Input) {
		key := in.RemoteHost + "\x00" + in.Reply.Text
		if in.Reply.Text != "" && !seen[key] {
			seen[key] = true
			out = append(out, in)
		}
	}
	remote := ""
	for _, l := range lines {
		lower := strings.ToLower(l)
		if isOriginal(lower) {
			break
		}
		switch {
		case l == "":
			remote = "" // a new recipient block
		case strings.HasPrefix(lower, "remote-mta:"):
			remote = strings.TrimSpace(l[len("remote-mta:"):])
			if i := strings.IndexByte(remote, ';'); i >= 0 {
				remote = strings.TrimSpace(remote[i+1:])
			}
		case strings.HasPrefix(lower, "diagnostic-code:"):
			in := InputFromText(l, sendingIP)
			if in.RemoteHost == "" {
				in.RemoteHost, in.RemoteIP = splitHostIP(remote)
			}
			add(in)
		}
	}
	if len(out) > 0 {
		return out
	}
	// A bounce without a delivery-status part: the human-readable text.
	for _, l := range lines {
		if isOriginal(strings.ToLower(l)) {
			break
		}
		if strings.Contains(l, " said: ") || strings.Contains(l, " refused to talk to me: ") {
			// "<rcpt>: host mx[ip] said: …" → the part from "host".
			if i := strings.Index(l, "host "); i >= 0 {
				l = l[i:]
			}
			add(InputFromText(l, sendingIP))
		}
	}
	return out
}

// isOriginal reports whether a (lower-cased) line starts the returned
// original message.
func isOriginal(lower string) bool {
	return strings.HasPrefix(lower, "content-type:") &&
		(strings.Contains(lower, "message/rfc822") || strings.Contains(lower, "text/rfc822-headers"))
}

// unfold joins folded lines (a line starting with a space or a tab
// continues the one before, RFC 5322 and Postfix's indented bounce text)
// and trims them; blank lines stay, as block separators.
func unfold(msg string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(msg, "\r\n", "\n"), "\n") {
		if (strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t")) && len(out) > 0 && out[len(out)-1] != "" {
			out[len(out)-1] += " " + strings.TrimSpace(l)
			continue
		}
		out = append(out, strings.TrimSpace(l))
	}
	return out
}
