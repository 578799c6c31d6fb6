package incident

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/postfixlog"
)

// TestDomainOf checks the word-at-a-time domainOf against its definition
// (the text after the last '@', "" without one, lower-cased when it holds
// an ASCII capital) for addresses whose '@' and capitals fall at every
// position of an eight-byte word.
func TestDomainOf(t *testing.T) {
	def := func(addr string) string {
		i := strings.LastIndexByte(addr, '@')
		if i < 0 {
			return ""
		}
		if d := addr[i+1:]; strings.ContainsAny(d, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
			return strings.ToLower(d)
		}
		return addr[i+1:]
	}
	cases := []string{
		"", "@", "a@", "@b", "user@example.com", "User@Example.COM", "j.smith1574@fieldriver760.example.net",
		"a@b@c.example", "A@B@c.example", "x@Y", "no-at-sign.example.com", "ÉCOLE@ÉCOLE.example", "u@bücher.Example",
		"\"a@b\"@mx.example.org", "postmaster@[192.0.2.1]", "u@ex\xffAMPLE.com", "u@\x80\xc1\xdaZ", "u@Ü.example", "u@ÜÉ.ÀÖ.example.org", "U@ü.Ü.example", "ÜÜÜÜÜÜÜÜÜ@Ü",
	}
	// Every placement of '@' and of one capital in addresses of 0 to 24 bytes.
	for n := 0; n <= 24; n++ {
		for at := -1; at < n; at++ {
			for up := -1; up < n; up++ {
				b := []byte(strings.Repeat("x", n))
				if up >= 0 {
					b[up] = 'Q'
				}
				if at >= 0 {
					b[at] = '@'
				}
				cases = append(cases, string(b))
			}
		}
	}
	for _, addr := range cases {
		if got, want := domainOf(addr), def(addr); got != want {
			t.Errorf("domainOf(%q) = %q, want %q", addr, got, want)
		}
	}
}

// TestDomainsShared: the incidents that list a recipient domain share one
// copy of it, of the domain alone. Each kept it as the end of its own copy
// of the first recipient refused there, which held the whole address for
// as long as the incident was kept: the 20 M-line dense log's 552
// incidents listed 54,412 domains, 2,515 of them distinct.
func TestDomainsShared(t *testing.T) {
	tr := New(Config{CountsOnly: true, NoEvents: true})
	at := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	for i := range 3 {
		v := classify.Verdict{Provider: "spamhaus", Category: classify.Blocklist, Listed: fmt.Sprintf("192.0.2.%d", i+1), Code: 550}
		for _, to := range []string{fmt.Sprintf("a-long-local-part-%d@example.net", i), fmt.Sprintf("x%d@Example.ORG", i)} {
			tr.Observe(&Observation{Kind: postfixlog.KindDelivery, At: at, QueueID: fmt.Sprintf("Q%d", i), Status: "deferred",
				To: to, Raw: "the line", Verdict: &v})
		}
	}
	incs := tr.Incidents()
	if len(incs) != 3 {
		t.Fatalf("%d incidents, want 3", len(incs))
	}
	for _, inc := range incs {
		if !slices.Equal(inc.Domains, []string{"example.net", "example.org"}) {
			t.Fatalf("%s lists %q", inc.ID, inc.Domains)
		}
	}
	// Incidents returns copies of the lists, not of their strings.
	for d := range 2 {
		for _, inc := range incs[1:] {
			if unsafe.StringData(inc.Domains[d]) != unsafe.StringData(incs[0].Domains[d]) {
				t.Errorf("%s keeps a copy of its own of %s", inc.ID, inc.Domains[d])
			}
		}
		for i, m := range incs[0].Messages {
			for _, r := range m.Recipients {
				if within(incs[0].Domains[d], r) {
					t.Errorf("%s is the end of message %d's recipient %s", incs[0].Domains[d], i, r)
				}
			}
		}
	}
}

// within reports whether s is a view of of's bytes.
func within(s, of string) bool {
	p, start := uintptr(unsafe.Pointer(unsafe.StringData(s))), uintptr(unsafe.Pointer(unsafe.StringData(of)))
	return p >= start && p < start+uintptr(len(of))
}

// TestDomainEntryInOne: a recipient domain's entry in Tracker.byDomain is
// one 128-byte allocation that holds the table's key (the name, when it
// fits) and the first slots of the incidents that refused it in its first
// cache line, so that a delivery to a refused domain reads one line, not
// three places; a longer name
// and more incidents than fit live beside it, and a delivery clears what
// each incident asks either way.
func TestDomainEntryInOne(t *testing.T) {
	if n := unsafe.Sizeof(domain{}); n != 128 {
		t.Fatalf("a domain entry is %d bytes, want 128 (a size class whose objects are cache-line aligned)", n)
	}
	if off := unsafe.Offsetof(domain{}.n); off+4 > 64 {
		t.Fatalf("a domain entry's count at %d bytes, past its first cache line", off)
	}
	long := strings.Repeat("x", domainName-len(".example")) + ".example"
	for _, tc := range []struct {
		dom    string
		incs   int
		inName bool // the name is in the entry
	}{
		{"example.net", 1, true},
		{"example.net", domainSlots, true},
		{"example.net", domainSlots + 3, true},
		{long, 2, true},
		{"y" + long, 2, false},
	} {
		t.Run(fmt.Sprintf("%d/%d", len(tc.dom), tc.incs), func(t *testing.T) {
			tr := New(Config{})
			for i := range tc.incs {
				v := spamhaus
				v.Listed = fmt.Sprintf("192.0.2.%d", i+1)
				run(tr, []step{{r: delivery(i, fmt.Sprintf("A%04X", i), fmt.Sprintf("u%d@%s", i, tc.dom), "deferred"), v: v}})
			}
			if tr.byDomain.Len() != 1 {
				t.Fatalf("%d domains indexed, want 1", tr.byDomain.Len())
			}
			for k, e := range tr.byDomain.All() {
				if k != tc.dom || e.name != tc.dom {
					t.Fatalf("indexed %q as %q, want %q", k, e.name, tc.dom)
				}
				if in := unsafe.StringData(k) == &e.buf[0]; in != tc.inName {
					t.Errorf("key in the entry: %v, want %v", in, tc.inName)
				}
				want := make([]int32, tc.incs) // in the order they refused it
				for i := range want {
					want[i] = int32(i)
				}
				if got := e.slots(); !slices.Equal(got, want) {
					t.Fatalf("slots %v, want %v", got, want)
				}
				if in := e.more == nil; in != (tc.incs <= domainSlots) {
					t.Errorf("slots in the entry: %v, want %v", in, tc.incs <= domainSlots)
				}
			}
			run(tr, []step{{r: delivery(100, "B0001", "v@"+tc.dom, "sent")}})
			if tr.byDomain.Len() != 0 {
				t.Errorf("%d domains indexed after every incident cleared", tr.byDomain.Len())
			}
			for _, inc := range tr.Finish(t0.Add(200 * time.Second)) {
				if inc.Status != Cleared || inc.ClearedBy == "" {
					t.Errorf("%s: %s by %q after a delivery to %s", inc.ID, inc.Status, inc.ClearedBy, tc.dom)
				}
			}
		})
	}
}

// TestDomainSlots: a domain entry's slots are those added and not removed,
// in the order they were added, in the entry or beside it (more than
// domainSlots) and back.
func TestDomainSlots(t *testing.T) {
	for _, tc := range []struct {
		add    int
		remove []int32
	}{
		{1, []int32{0}},
		{domainSlots, []int32{2, 0, 3, 1}},
		{domainSlots + 1, []int32{0, 4, 2}},
		{domainSlots + 3, []int32{6, 0, 1, 5, 2, 3, 4}},
		{3 * domainSlots, []int32{7, 99, 3, 11, 0, 1, 2, 4, 5}},
	} {
		t.Run(fmt.Sprint(tc.add), func(t *testing.T) {
			d := &domain{}
			var want []int32
			for i := range int32(tc.add) {
				d.add(i)
				want = append(want, i)
			}
			for _, r := range tc.remove {
				if i := slices.Index(want, r); i >= 0 {
					want = slices.Delete(want, i, i+1)
				}
				if empty := d.remove(r); empty != (len(want) == 0) {
					t.Errorf("remove %d: empty %v with %v left", r, empty, want)
				}
				if got := d.slots(); !slices.Equal(got, want) {
					t.Fatalf("after removing %d: %v, want %v", r, got, want)
				}
				if inEntry := d.more == nil; inEntry != (len(want) <= domainSlots) {
					t.Errorf("after removing %d: in the entry %v with %d slots", r, inEntry, len(want))
				}
			}
		})
	}
}
