package logwatch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/postfixlog"
)

func TestStream(t *testing.T) {
	long := strings.Repeat("z", 50)
	in := "a\r\n\xff\x00b\n" + long + "\nc\nlast"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	lines, errc := Stream(ctx, strings.NewReader(in), StreamOptions{MaxLineLen: 20})
	var got []postfixlog.Line
	for l := range lines {
		got = append(got, l)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	want := []string{"a", "\xff\x00b", "c", "last"}
	if !equalLines(texts(got), want) {
		t.Fatalf("lines = %q, want %q", texts(got), want)
	}
	if got[2].Skipped != 1 || got[1].Skipped != 0 {
		t.Errorf("Skipped = %d, %d", got[1].Skipped, got[2].Skipped)
	}
	for _, l := range got {
		if l.Pos != (postfixlog.Position{}) {
			t.Errorf("a stdin line with a position: %+v", l.Pos)
		}
	}
}

func TestStreamReadError(t *testing.T) {
	boom := errors.New("boom")
	lines, errc := Stream(context.Background(), &errAfter{strings.NewReader("x\n"), boom}, StreamOptions{})
	var got []postfixlog.Line
	for l := range lines {
		got = append(got, l)
	}
	if err := <-errc; !errors.Is(err, boom) || len(got) != 1 {
		t.Errorf("lines %q, err %v", texts(got), err)
	}
}

func TestStreamCancelWhileReading(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	ctx, cancel := context.WithCancel(context.Background())
	lines, errc := Stream(ctx, pr, StreamOptions{})
	pw.Write([]byte("one\n"))
	if l := <-lines; l.Text != "one" {
		t.Fatalf("got %q", l.Text)
	}
	// The reader is now blocked in Read: cancelling still closes the
	// channels.
	cancel()
	select {
	case _, ok := <-lines:
		if ok {
			t.Error("a line after the cancel")
		}
	case <-time.After(guard):
		t.Fatal("lines not closed after the cancel")
	}
	if err := <-errc; err != nil {
		t.Errorf("err = %v", err)
	}
}

// stallReader returns all its data in its first Read, then blocks until
// release is closed (a pipe whose writer is still there), then ends.
type stallReader struct {
	data    []byte
	release chan struct{}
}

func (s *stallReader) Read(p []byte) (int, error) {
	if len(s.data) == 0 {
		<-s.release
		return 0, io.EOF
	}
	n := copy(p, s.data)
	s.data = s.data[n:]
	return n, nil
}

// TestStreamStopKeepsWhatWasRead: lines already read from the pipe when
// the stop comes are still sent — every one, the unfinished last as it
// is — and then the channels close without waiting for more input.
// (Before, the stop closed the channels at once: the lines read but not
// yet passed on were lost, all but the first few here.)
func TestStreamStopKeepsWhatWasRead(t *testing.T) {
	for _, tt := range []struct {
		name string
		n    int // whole lines, all in one read (less than 64 KiB)
		tail string
	}{
		{"more lines than the channel holds", 2900, ""},
		{"an unfinished last line", 2800, "half a li"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			for i := range tt.n {
				fmt.Fprintf(&b, "line %06d of a pipe\n", i)
			}
			b.WriteString(tt.tail)
			if b.Len() >= streamChunk {
				t.Fatalf("%d bytes do not fit one read", b.Len())
			}
			sr := &stallReader{data: []byte(b.String()), release: make(chan struct{})}
			defer close(sr.release)
			ctx, cancel := context.WithCancel(context.Background())
			lines, errc := Stream(ctx, sr, StreamOptions{Buffer: 16})
			// The first line comes from the one read: all of the input has
			// been read when it arrives.
			got := []string{(<-lines).Text}
			cancel()
			timeout := time.After(guard)
			for open := true; open; {
				select {
				case l, ok := <-lines:
					if open = ok; ok {
						got = append(got, l.Text)
					}
				case <-timeout:
					t.Fatalf("the lines were not closed after the stop (%d read)", len(got))
				}
			}
			if err := <-errc; err != nil {
				t.Errorf("err = %v", err)
			}
			want := tt.n
			if tt.tail != "" {
				want++
			}
			if len(got) != want {
				t.Fatalf("%d lines after the stop, want every one read: %d", len(got), want)
			}
			for i := range tt.n {
				if w := fmt.Sprintf("line %06d of a pipe", i); got[i] != w {
					t.Fatalf("line %d = %q, want %q", i, got[i], w)
				}
			}
			if tt.tail != "" && got[len(got)-1] != tt.tail {
				t.Errorf("last line %q, want %q", got[len(got)-1], tt.tail)
			}
		})
	}
}

// TestStreamCountsLastOverlong: an over-long line at the end of the input,
// with or without its newline, is counted as skipped as any other, though
// no line follows to carry the count: a last Line with Trailing set (and
// no text) carries it. Before, the count was lost at the end of the input
// (the file follower's end mark carries it).
func TestStreamCountsLastOverlong(t *testing.T) {
	long := strings.Repeat("z", 50)
	for _, tc := range []struct {
		in      string
		texts   []string
		skipped int
	}{
		{"a\n" + long, []string{"a"}, 1},
		{"a\n" + long + "\n", []string{"a"}, 1},
		{"a\n" + long + "\n" + long, []string{"a"}, 2},
		{long + "\nb\n" + long, []string{"b"}, 2},
		{long, nil, 1},
		{"a\nb", []string{"a", "b"}, 0},
	} {
		lines, errc := Stream(context.Background(), strings.NewReader(tc.in), StreamOptions{MaxLineLen: 20})
		var got []string
		skipped := 0
		for l := range lines {
			skipped += l.Skipped
			if l.Trailing {
				if l.Text != "" || l.Skipped == 0 {
					t.Errorf("%q: a trailing Line %+v", tc.in, l)
				}
				continue
			}
			got = append(got, l.Text)
		}
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
		if !equalLines(got, tc.texts) || skipped != tc.skipped {
			t.Errorf("%q: lines %q, skipped %d; want %q, %d", tc.in, got, skipped, tc.texts, tc.skipped)
		}
	}
}
