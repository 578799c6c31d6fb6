package dnsbl

import (
	"errors"
	"net/netip"
	"slices"
	"testing"
)

// zenLike is a Spamhaus-ZEN-like code table as the catalog would hold it.
var zenLike = Zone{
	Name: "zen.example",
	Codes: []Code{
		{Answer: "127.0.0.2", Meaning: "SBL"},
		{Answer: "127.0.0.3", Meaning: "CSS"},
		{Answer: "127.0.0.4-127.0.0.7", Meaning: "XBL"},
		{Answer: "127.0.0.10/31", Meaning: "PBL"},
		{Answer: "127.255.255.254", Meaning: "public resolver", Status: "error"},
		{Answer: "127.0.0.1", Meaning: "white", Status: "allowed"},
		{Answer: "127.0.0.99", Meaning: "weird but allowed", Status: "allowed"},
		{Answer: "127.0.0.50", Meaning: "query refused", Status: "error"},
		{Answer: "127.255.255.1", Meaning: "catalog says listed"}, // the safety net wins
		{Answer: "not an address", Meaning: "ignored"},
	},
}

func TestInterpret(t *testing.T) {
	tests := []struct {
		zone    Zone
		answer  string
		status  string
		meaning string
		wantErr error
	}{
		{zenLike, "127.0.0.2", CodeListed, "SBL", nil},
		{zenLike, "127.0.0.3", CodeListed, "CSS", nil},
		{zenLike, "127.0.0.4", CodeListed, "XBL", nil},
		{zenLike, "127.0.0.7", CodeListed, "XBL", nil},
		{zenLike, "127.0.0.8", CodeListed, "", nil}, // unknown code: listed, no meaning
		{zenLike, "127.0.0.10", CodeListed, "PBL", nil},
		{zenLike, "127.0.0.11", CodeListed, "PBL", nil},
		{zenLike, "127.0.0.12", CodeListed, "", nil},
		{zenLike, "127.0.0.1", CodeAllowed, "white", nil},
		{zenLike, "127.0.0.50", CodeError, "query refused", ErrRefused},
		{zenLike, "127.255.255.254", CodeError, "public resolver", ErrRefused},
		{zenLike, "127.255.255.1", CodeError, "catalog says listed", ErrRefused},
		{zenLike, "10.0.0.1", CodeError, "", ErrBadAnswer},
		// The safety net holds for zones without any code table.
		{Zone{Name: "x.example"}, "127.0.0.2", CodeListed, "", nil},
		{Zone{Name: "x.example"}, "127.255.255.252", CodeError, "", ErrRefused},
		{Zone{Name: "x.example"}, "127.255.255.254", CodeError, "", ErrRefused},
		{Zone{Name: "x.example"}, "127.255.255.255", CodeError, "", ErrRefused},
		{Zone{Name: "x.example"}, "192.0.2.1", CodeError, "", ErrBadAnswer},
		{Zone{Name: "x.example"}, "128.0.0.2", CodeError, "", ErrBadAnswer},
		// A catalog entry saying "listed" for a code outside 127/8 does not
		// make it a listing.
		{Zone{Name: "x.example", Codes: []Code{{Answer: "0.0.0.0/0", Meaning: "all"}}}, "8.8.8.8", CodeError, "all", ErrBadAnswer},
	}
	for _, tt := range tests {
		got := interpret(tt.zone, netip.MustParseAddr(tt.answer))
		if got.status != tt.status || got.meaning != tt.meaning || !errors.Is(got.err, tt.wantErr) || (tt.wantErr == nil) != (got.err == nil) {
			t.Errorf("%s %s: got %+v, want status %s meaning %q err %v", tt.zone.Name, tt.answer, got, tt.status, tt.meaning, tt.wantErr)
		}
	}
}

func TestParseAnswer(t *testing.T) {
	tests := []struct {
		in     string
		lo, hi string
		ok     bool
	}{
		{"127.0.0.2", "127.0.0.2", "127.0.0.2", true},
		{"127.0.0.4-127.0.0.7", "127.0.0.4", "127.0.0.7", true},
		{" 127.0.1.2 - 127.0.1.99 ", "127.0.1.2", "127.0.1.99", true},
		{"127.255.255.0/24", "127.255.255.0", "127.255.255.255", true},
		{"127.0.0.5/24", "127.0.0.0", "127.0.0.255", true},
		{"127.0.0.8/32", "127.0.0.8", "127.0.0.8", true},
		{"0.0.0.0/0", "0.0.0.0", "255.255.255.255", true},
		{"127.0.0.7-127.0.0.4", "", "", false},
		{"::1", "", "", false},
		{"::/0", "", "", false},
		{"127.0.0.0/33", "", "", false},
		{"black", "", "", false},
		{"", "", "", false},
	}
	for _, tt := range tests {
		r, err := parseAnswer(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("parseAnswer(%q) error %v, want ok %v", tt.in, err, tt.ok)
			continue
		}
		if err != nil {
			if !errors.Is(err, ErrBadCode) {
				t.Errorf("parseAnswer(%q) error %v does not wrap ErrBadCode", tt.in, err)
			}
			continue
		}
		if r.lo.String() != tt.lo || r.hi.String() != tt.hi {
			t.Errorf("parseAnswer(%q) = %s-%s, want %s-%s", tt.in, r.lo, r.hi, tt.lo, tt.hi)
		}
	}
}

func TestValidate(t *testing.T) {
	if err := (Zone{Name: "{key}.zen.dq.spamhaus.net", NeedsKey: true, Codes: []Code{{Answer: "127.0.0.2"}, {Answer: "127.255.255.0/24", Status: "error"}}}).Validate(); err != nil {
		t.Errorf("valid zone: %v", err)
	}
	err := Zone{Name: "bad zone", Codes: []Code{{Answer: "x"}, {Answer: "127.0.0.2", Status: "blocked"}}}.Validate()
	for _, want := range []error{ErrBadZone, ErrBadCode} {
		if !errors.Is(err, want) {
			t.Errorf("Validate error %v does not wrap %v", err, want)
		}
	}
	if n := len(err.(interface{ Unwrap() []error }).Unwrap()); n != 3 {
		t.Errorf("Validate reported %d problems, want 3: %v", n, err)
	}
}

// TestInterpretAnswerLists: the sub-lists and Japanese meanings of the
// answers come with the result, each once, of the kind of answer that
// decides the status.
func TestInterpretAnswerLists(t *testing.T) {
	z := Zone{Name: "zen.example", Codes: []Code{
		{Answer: "127.0.0.2", Meaning: "SBL: spam source", MeaningJa: "SBL：迷惑メールの送信元", List: "sbl"},
		{Answer: "127.0.0.4-127.0.0.7", Meaning: "XBL: exploited host", MeaningJa: "XBL：乗っ取られたホスト", List: "xbl"},
		{Answer: "127.0.0.9", Meaning: "no translation", List: "drop"},
		{Answer: "127.255.255.0/24", Meaning: "refused", MeaningJa: "拒否", Status: CodeError},
	}}
	addrs := func(s ...string) rawAnswer {
		var a rawAnswer
		for _, x := range s {
			a.addrs = append(a.addrs, netip.MustParseAddr(x))
		}
		return a
	}
	tests := []struct {
		name   string
		ans    rawAnswer
		status Status
		en, ja string
		lists  []string
	}{
		{"two lists, one twice", addrs("127.0.0.4", "127.0.0.2", "127.0.0.5"), StatusListed, "XBL: exploited host; SBL: spam source", "XBL：乗っ取られたホスト; SBL：迷惑メールの送信元", []string{"xbl", "sbl"}},
		{"no Japanese meaning", addrs("127.0.0.9"), StatusListed, "no translation", "", []string{"drop"}},
		{"an error answer decides", addrs("127.0.0.2", "127.255.255.254"), StatusError, "refused", "拒否", nil},
		{"clean", addrs(), StatusClean, "", "", nil},
	}
	for _, tc := range tests {
		res := interpretAnswer(Result{}, z, tc.ans)
		if res.Status != tc.status || res.Meaning != tc.en || res.MeaningJa != tc.ja || !slices.Equal(res.Lists, tc.lists) {
			t.Errorf("%s: %s %q %q %q", tc.name, res.Status, res.Meaning, res.MeaningJa, res.Lists)
		}
	}
}
