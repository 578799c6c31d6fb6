package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/logwatch"
)

// runExplain classifies reply texts or Postfix log lines and explains them:
// the arguments joined as one input, or one input per stdin line.
func runExplain(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "explain")
	asJSON := fs.Bool("json", false, "print one JSON object per input")
	lang := fs.String("lang", envLang(e), "language: en or ja (default from $LC_ALL, $LC_MESSAGES or $LANG)")
	shared := fs.Bool("shared", false, "the sending IP is shared hosting (the host files removal requests)")
	sendingIP := fs.String("sending-ip", "", "our sending IP, for replies that do not name one")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *lang != "en" && *lang != "ja" {
		return usageError{fmt.Sprintf("explain: --lang must be en or ja, not %q", *lang)}
	}
	cat := classify.Default()
	parser := logwatch.NewParser(time.Now(), time.Local)
	n := 0
	explain := func(line string) error {
		ex := cat.Explain(cat.Classify(classify.InputFromLine(parser, line, *sendingIP)), *lang, *shared)
		if *asJSON {
			return json.NewEncoder(e.stdout).Encode(ex)
		}
		if n++; n > 1 {
			fmt.Fprintln(e.stdout)
		}
		return ex.WriteText(e.stdout, *lang)
	}
	if fs.NArg() > 0 {
		return explain(strings.Join(fs.Args(), " "))
	}
	return eachLine(ctx, e.stdin, explain)
}

// maxLine is how much of one stdin line is kept; the rest is dropped.
const maxLine = 64 << 10

// eachLine calls fn for every non-blank line of r (cut at maxLine).
func eachLine(ctx context.Context, r io.Reader, fn func(string) error) error {
	br := bufio.NewReader(r)
	for ctx.Err() == nil {
		var line []byte
		for {
			chunk, isPrefix, err := br.ReadLine()
			if len(line) < maxLine {
				line = append(line, chunk[:min(len(chunk), maxLine-len(line))]...)
			}
			if err == io.EOF {
				if s := strings.TrimSpace(string(line)); s != "" {
					return fn(s)
				}
				return nil
			}
			if err != nil {
				return fmt.Errorf("explain: reading stdin: %w", err)
			}
			if !isPrefix {
				break
			}
		}
		if s := strings.TrimSpace(string(line)); s != "" {
			if err := fn(s); err != nil {
				return err
			}
		}
	}
	return ctx.Err()
}
