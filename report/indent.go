package report

import (
	"bytes"
	"encoding/json"
	"io"
	"runtime"
)

// indenter writes compact JSON, as json.Marshal writes it, indented as
// json.Indent(dst, src, "", "  ") does. json.Indent runs its full
// validating scanner over every byte, which took more time than
// marshalling the report itself; a document Marshal just wrote needs no
// validation, only its structure followed (TestIndentJSONAsEncoding holds
// the two equal). It may be fed a document in pieces, none of which cuts a
// string.
type indenter struct {
	depth int
	// open: the last byte fed opened an object or array, whose line
	// break waits for the next byte (an empty one has none).
	open bool
}

// indent appends src to dst, indented.
func (in *indenter) indent(dst, src []byte) []byte {
	newline := func() {
		dst = append(dst, '\n')
		for range in.depth {
			dst = append(dst, ' ', ' ')
		}
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		if in.open {
			in.open = false
			if c == '}' || c == ']' {
				dst = append(dst, c)
				continue
			}
			in.depth++
			newline()
		}
		switch c {
		case '"':
			// To the closing quote: one not escaped by an odd number of
			// backslashes.
			j := i + 1
			for {
				k := bytes.IndexByte(src[j:], '"')
				if k < 0 {
					j = len(src)
					break
				}
				j += k
				n := 0
				for n < j-i-1 && src[j-1-n] == '\\' {
					n++
				}
				if n%2 == 0 {
					break
				}
				j++
			}
			dst = append(dst, src[i:min(j+1, len(src))]...)
			i = j
		case '{', '[':
			dst = append(dst, c)
			in.open = true
		case '}', ']':
			in.depth--
			newline()
			dst = append(dst, c)
		case ',':
			dst = append(dst, c)
			newline()
		case ':':
			dst = append(dst, ':', ' ')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// indentJSON appends src, a whole document, to dst indented.
func indentJSON(dst, src []byte) []byte {
	var in indenter
	return in.indent(dst, src)
}

// encodeWindow is how many incidents writeJSON encodes at a time. Each
// share of a window grows its buffer to hold its part of the window (by
// doubling, about twice that allocated); at 128 a dense log's report
// allocated some 4 MB so, at the end of a replay whose heap is near its
// limit (cmd/rblwatch's replayMemoryLimit), often enough for one more
// collection.
const encodeWindow = 32

// flushAt is how much of its text the first share of a window holds
// before writing it (writeJSON).
const flushAt = 64 << 10

// writeJSON writes rep, its incidents those of list, as WriteJSON does
// (json.Encoder with the indent "  "), an incident at a time: the document
// of a replay with thousands of incidents is megabytes, and made whole it
// was garbage that kept the collector busy.
func writeJSON(w io.Writer, rep *Report, list incidentList) error {
	head := *rep
	head.Incidents = []Incident{}
	doc, err := json.Marshal(&head)
	if err != nil {
		return err
	}
	n := list.len()
	const tail = `"incidents":[]}`
	if !bytes.HasSuffix(doc, []byte(tail)) {
		// Not the last field any more: the whole document at once.
		head.Incidents = make([]Incident, n)
		b := builder{opts: list.opts} // each in a slot of its own
		for i := range head.Incidents {
			head.Incidents[i] = *list.at(i, &b, &head.Incidents[i])
		}
		if doc, err = json.Marshal(&head); err != nil {
			return err
		}
		_, err = w.Write(append(indentJSON(nil, doc), '\n'))
		return err
	}
	var in indenter
	out := in.indent(make([]byte, 0, 64<<10), doc[:len(doc)-2]) // up to "[" of the incidents
	if n > 0 {
		in.open = false
		in.depth++
	}
	// A window of incidents is encoded side by side (parallelShares),
	// each share's incidents into one buffer of its own, already
	// indented at their depth (encoder) and with the separators between
	// them, then the buffers are written in order: the text in memory is
	// a window's, in as many buffers as there are shares (a buffer per
	// incident, grown from nothing, was allocated a dozen times over).
	// The first share's text comes first: it is written as it grows
	// (flushAt), so its buffer stays small — alone (one CPU, or a short
	// window) it held the whole window, grown by doubling each time a
	// window was larger than every one before. Each share builds the
	// incidents of a replay (Write) as it encodes them, each in the slot
	// of the one before.
	const depth = 2 // {"incidents": [{…
	shareOf := make([]struct {
		arena []byte
		b     *builder
		slot  Incident
	}, max(1, runtime.GOMAXPROCS(0)))
	for lo := 0; lo < n; lo += encodeWindow {
		hi := min(lo+encodeWindow, n)
		if len(out) > 0 {
			if _, err := w.Write(out); err != nil {
				return err
			}
			out = out[:0]
		}
		shares, err := parallelShares(hi-lo, func(k, from, to int) error {
			sh := &shareOf[k]
			if sh.b == nil {
				sh.b = list.newBuilder()
			}
			b := sh.arena[:0]
			for i := lo + from; i < lo+to; i++ {
				if k == 0 && len(b) >= flushAt {
					if _, err := w.Write(b); err != nil {
						return err
					}
					b = b[:0]
				}
				if i > 0 {
					b = append(b, ',')
				}
				b = append(b, indents[:1+2*depth]...)
				inc := list.at(i, sh.b, &sh.slot)
				e := encoder{b: b, depth: depth, raw: list.raw()}
				e.incident(inc)
				if e.bad {
					// What encoding/json refuses or writes otherwise.
					if e.raw {
						cleanRaw(inc)
					}
					j, err := json.Marshal(inc)
					if err != nil {
						return err
					}
					in := indenter{depth: depth}
					e.b = in.indent(b, j)
				}
				b = e.b
			}
			if k == 0 {
				if _, err := w.Write(b); err != nil {
					return err
				}
				b = b[:0]
			}
			sh.arena = b
			return nil
		})
		if err != nil {
			return err
		}
		for k := 1; k < shares; k++ {
			if _, err := w.Write(shareOf[k].arena); err != nil {
				return err
			}
		}
	}
	out = append(in.indent(out, []byte("]}")), '\n')
	_, err = w.Write(out)
	return err
}
