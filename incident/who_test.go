package incident

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestWhoSent(t *testing.T) {
	msgs := []Message{
		{From: "alice@ours.example", FromKnown: true, Login: "alice", Client: "pc[192.0.2.55]"},
		{From: "news@ours.example", FromKnown: true, Login: "bob", Client: "web[192.0.2.80]"},
		{From: "alice@ours.example", FromKnown: true, Login: "alice", Client: "pc[192.0.2.55]"},
		{From: "", FromKnown: true, Client: "localhost[127.0.0.1]"},
		{From: "news@ours.example", FromKnown: true, Login: "bob", Client: "web[192.0.2.80]"},
		{From: "news@ours.example", FromKnown: true, Login: "bob"},
		{From: "", Client: "unknown[192.0.2.99]"}, // sender not logged: counted in Messages only
	}
	got := WhoSent(msgs, 2)
	want := Who{Messages: 7,
		Logins:  []Count{{"bob", 3}, {"alice", 2}},
		Senders: []Count{{"news@ours.example", 3}, {"alice@ours.example", 2}}, MoreSenders: 1,
		Clients: []Count{{"pc[192.0.2.55]", 2}, {"web[192.0.2.80]", 2}}, MoreClients: 2, // two messages of two clients
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("WhoSent\n got %+v\nwant %+v", got, want)
	}
	if w := WhoSent(nil, 5); w.Messages != 0 || w.Logins == nil || len(w.Senders) != 0 {
		t.Errorf("no messages: %+v", w)
	}
}

// TestWhoCounterBounds: the messages of names beyond maxNames count as
// more, and Remove takes a message back (a name at zero is not shown).
func TestWhoCounterBounds(t *testing.T) {
	var c WhoCounter
	for i := range maxNames + 50 {
		c.Add("", fmt.Sprintf("s%d@spam.example", i), true, "")
	}
	c.Add("alice", "a@ours.example", true, "localhost[127.0.0.1]")
	c.Remove("alice", "a@ours.example", true, "localhost[127.0.0.1]")
	c.Add("alice", "a@ours.example", true, "pc[192.0.2.55]")
	w := c.Who(3)
	if w.Messages != maxNames+51 || len(w.Senders) != 3 || w.MoreSenders != maxNames+51-3 || len(w.Clients) != 1 ||
		!reflect.DeepEqual(w.Clients, []Count{{"pc[192.0.2.55]", 1}}) || !reflect.DeepEqual(w.Logins, []Count{{"alice", 1}}) {
		t.Errorf("%+v", w)
	}
}

// TestWhoCounterAsMap: a counter finds its names by looking through its
// list while it holds few, by a map beyond; counts are those of a plain
// map either way, in the order first seen for ties.
func TestWhoCounterAsMap(t *testing.T) {
	for _, names := range []int{3, smallList, smallList + 1, 40} {
		var c WhoCounter
		ref := map[string]int{}
		var order []string
		for i := range 500 {
			name := fmt.Sprintf("user%d", (i*7+i/3)%names)
			n := 1
			if i%5 == 4 && ref[name] > 0 {
				n = -1
				c.Remove(name, "", false, "")
			} else {
				c.Add(name, "", false, "")
			}
			if _, ok := ref[name]; !ok {
				order = append(order, name)
			}
			ref[name] += n
		}
		var want []Count
		for _, name := range order {
			if ref[name] > 0 {
				want = append(want, Count{name, ref[name]})
			}
		}
		slices.SortStableFunc(want, func(a, b Count) int { return cmp.Compare(b.Messages, a.Messages) })
		if got := c.Who(0).Logins; !reflect.DeepEqual(got, want) {
			t.Errorf("%d names: %v, want %v", names, got, want)
		}
	}
}

// TestWhoSendersFoldCase: one envelope sender in several cases of letters
// is one sender, counted in lower case — it was two senders of one message
// each, so a sender that varies them fell out of the top five.
func TestWhoSendersFoldCase(t *testing.T) {
	var c WhoCounter
	for _, from := range []string{"alice@example.com", "Alice@Example.COM", "ALICE@EXAMPLE.COM", "bob@example.com"} {
		c.Add("", from, true, "")
	}
	c.Remove("", "Bob@example.com", true, "")
	w := c.Who(5)
	if want := []Count{{"alice@example.com", 3}}; !slices.Equal(w.Senders, want) {
		t.Errorf("senders %+v, want %+v", w.Senders, want)
	}
}

// TestLowerSender: lowerSender is strings.ToLower, on addresses with a
// capital, a byte of 0x80 or above, or '@', '[', '`', '{' (the neighbours
// of the capitals) at every place of texts of 0–20 bytes.
func TestLowerSender(t *testing.T) {
	for n := range 21 {
		for i := range n {
			for _, c := range []string{"A", "Z", "M", "@", "[", "`", "{", "\x80", "é", "\xff", "a", "z"} {
				s := strings.Repeat("x", i) + c + strings.Repeat("y", n-i)
				if got, want := lowerSender(s), strings.ToLower(s); got != want {
					t.Errorf("lowerSender(%q) = %q, want %q", s, got, want)
				}
			}
		}
	}
}
