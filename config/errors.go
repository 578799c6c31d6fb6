package config

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNotFound is wrapped by Load when an explicitly named file is missing.
var ErrNotFound = errors.New("config: file not found")

// Problem is one thing wrong (or doubtful) in a configuration file.
type Problem struct {
	File string // the file name as given to Load or Parse
	Line int    // 1-based; 0 when the problem has no place in the file
	Key  string // dotted key path, "notify.smtp", "sending_ips[1]"; "" for the whole file
	Msg  string // what is wrong; never contains a secret
	// Warning marks a doubtful but usable setting; the file still loads.
	Warning bool
}

// Error formats the problem as "FILE:LINE: key: problem" (with "warning: "
// before the problem of a warning), leaving out the parts that are unknown.
func (p Problem) Error() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if p.Key != "" {
		b.WriteString(p.Key)
		b.WriteString(": ")
	}
	if p.Warning {
		b.WriteString("warning: ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Errors is every problem found in a file, in the order of their lines.
// Load and Parse return it as their error when at least one problem is not
// a warning; it then holds the warnings too, so that everything is reported
// at once. A caller can print each problem on its own line:
//
//	var errs config.Errors
//	if errors.As(err, &errs) { for _, p := range errs { … } }
type Errors []Problem

// Error returns the problems one per line.
func (e Errors) Error() string {
	lines := make([]string, len(e))
	for i, p := range e {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}
