package daemon

import (
	"reflect"
	"testing"

	"github.com/rblwatch/rblwatch/postfixlog"
)

// TestLastLines: the positions a batch stores are the last of each file, in
// the order the files first appear; lines without a position (stdin) are
// passed over, and no text is kept.
func TestLastLines(t *testing.T) {
	at := func(path string, off int64) postfixlog.Line {
		return postfixlog.Line{Text: path + " line", Pos: postfixlog.Position{Path: path, Offset: off}}
	}
	pos := func(path string, off int64) postfixlog.Line {
		return postfixlog.Line{Pos: postfixlog.Position{Path: path, Offset: off}}
	}
	stdin := postfixlog.Line{Text: "from stdin"}
	cases := []struct {
		name  string
		batch []postfixlog.Line
		want  []postfixlog.Line
	}{
		{"empty", nil, nil},
		{"stdin only", []postfixlog.Line{stdin, stdin}, nil},
		{"one file", []postfixlog.Line{at("a", 1), at("a", 2), at("a", 3)}, []postfixlog.Line{pos("a", 3)}},
		{"one file, stdin between", []postfixlog.Line{at("a", 1), stdin, at("a", 2), stdin}, []postfixlog.Line{pos("a", 2)}},
		{"two files in runs", []postfixlog.Line{at("a", 1), at("a", 2), at("b", 5), at("b", 6)},
			[]postfixlog.Line{pos("a", 2), pos("b", 6)}},
		{"two files interleaved", []postfixlog.Line{at("b", 1), at("a", 7), at("b", 2), at("a", 8), at("a", 9), at("b", 3)},
			[]postfixlog.Line{pos("b", 3), pos("a", 9)}},
		{"three files, the first again last", []postfixlog.Line{at("a", 1), at("b", 1), at("c", 1), at("a", 2)},
			[]postfixlog.Line{pos("a", 2), pos("b", 1), pos("c", 1)}},
		{"skipped count kept", []postfixlog.Line{{Text: "x", Pos: postfixlog.Position{Path: "a", Offset: 4}, Skipped: 2}},
			[]postfixlog.Line{{Pos: postfixlog.Position{Path: "a", Offset: 4}, Skipped: 2}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := lastLines(c.batch); !reflect.DeepEqual(got, c.want) {
				t.Errorf("lastLines = %+v, want %+v", got, c.want)
			}
		})
	}
}
