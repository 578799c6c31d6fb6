package logwatch

import (
	"context"
	"errors"
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
