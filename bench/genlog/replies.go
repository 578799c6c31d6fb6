package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// realReply is one reply of a -replies file.
type realReply struct {
	text      string
	permanent bool   // a 5xx code
	enhanced  string // "5.7.1", when the reply has one
}

// maxReplyLine is the longest line of a -replies file read (a reply of a
// real server is at most a few kilobytes).
const maxReplyLine = 1 << 20

var enhancedRE = regexp.MustCompile(`\b[245]\.\d{1,3}\.\d{1,3}\b`)

// readReplies reads a file in the form of shared/corpus/rejections.tsv:
// provider<TAB>code<TAB>text<TAB>source per line, a header first. Every
// row is used, blocklist or not (the "none:" rows are the failures that
// are not blocklist rejections); a text that does not start with its code
// gets it in front, as a server sends it.
func readReplies(path string) ([]realReply, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("-replies: %w", err)
	}
	defer f.Close()
	var out []realReply
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, maxReplyLine)
	line := 0
	for ; sc.Scan(); line++ {
		row := sc.Text()
		if line == 0 {
			row = strings.TrimPrefix(row, "\ufeff") // a byte order mark, as spreadsheets write
		}
		fields := strings.Split(row, "\t")
		if line == 0 && len(fields) > 0 && fields[0] == "provider" || len(fields) < 3 {
			continue
		}
		code, text := strings.TrimSpace(fields[1]), strings.TrimSpace(fields[2])
		if text == "" {
			continue
		}
		if code != "" && !strings.HasPrefix(text, strings.Fields(code)[0]) {
			text = code + " " + text
		}
		// One line of the log: the reply's own line breaks are spaces.
		text = strings.Join(strings.Fields(text), " ")
		r := realReply{text: text, permanent: strings.HasPrefix(text, "5")}
		if m := enhancedRE.FindString(text); m != "" && m[0] == text[0] {
			r.enhanced = m
		}
		out = append(out, r)
	}
	if err := sc.Err(); errors.Is(err, bufio.ErrTooLong) {
		return nil, fmt.Errorf("-replies: %s:%d: a line longer than %d bytes", path, line+1, maxReplyLine)
	} else if err != nil {
		return nil, fmt.Errorf("-replies: %s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("-replies: no reply in %s (want provider<TAB>code<TAB>text[<TAB>source] rows with a text, after an optional header)", path)
	}
	return out, nil
}
