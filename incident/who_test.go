package incident

import (
	"reflect"
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
		Clients: []Count{{"pc[192.0.2.55]", 2}, {"web[192.0.2.80]", 2}}, MoreClients: 2,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("WhoSent\n got %+v\nwant %+v", got, want)
	}
	if w := WhoSent(nil, 5); w.Messages != 0 || w.Logins == nil || len(w.Senders) != 0 {
		t.Errorf("no messages: %+v", w)
	}
}
