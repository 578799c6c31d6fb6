// Package yamlerr finds the line a YAML decoding error is about, for the
// configuration's and the catalog's "file:line: problem" messages.
package yamlerr

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

var lineRe = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// Split returns the line a message of the YAML library is about and the
// message without it ("yaml: line 3: mapping values are not allowed in
// this context" → 3, "mapping values …"). The library names no line for an
// error on the first line, nor for bytes its reader cannot read (invalid
// UTF-8, a raw control character) wherever they are: the line is then 1,
// or, for the reader's errors, the first line of data holding such bytes.
func Split(msg string, data []byte) (int, string) {
	if g := lineRe.FindStringSubmatch(msg); g != nil {
		if n, err := strconv.Atoi(g[1]); err == nil {
			return n, g[2]
		}
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	for _, w := range []string{"UTF-", "surrogate", "control characters", "Unicode character"} {
		if strings.Contains(msg, w) {
			return unreadableLine(data), msg
		}
	}
	return 1, msg
}

// unreadableLine returns the number of the first line of data that holds
// a byte sequence YAML does not read (invalid UTF-8, a control character
// other than tab, or a non-character), else 1.
func unreadableLine(data []byte) int {
	line := 1
	for len(data) > 0 {
		r, size := utf8.DecodeRune(data)
		switch {
		case r == utf8.RuneError && size <= 1,
			r < 0x20 && r != '\t' && r != '\n' && r != '\r',
			r == 0x7f, r >= 0x80 && r <= 0x9f && r != 0x85,
			r == 0xfffe, r == 0xffff:
			return line
		case r == '\n':
			line++
		}
		data = data[size:]
	}
	return 1
}
