package dnsbl

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkCheck30Zones checks one IP against 30 zones on a server that
// delays every answer by 20 ms. Queries run in parallel, so a check takes
// about one round trip: the "delays/op" metric is the time per check over
// the delay, ≈1 for a clean IP (30 if the zones were queried one after the
// other). A listed IP needs a second round trip, for the TXT reason text
// asked once the A answer says listed: ≈2.
func BenchmarkCheck30Zones(b *testing.B) {
	const delay = 20 * time.Millisecond
	srv := &testServer{replies: map[string]reply{}, delay: delay}
	var zones []Zone
	for i := range 30 {
		name := fmt.Sprintf("z%d.bench.test", i)
		zones = append(zones, Zone{Name: name})
		if i%3 == 0 {
			srv.replies["99.2.0.192."+name+"."] = listed(300, "listed in "+name, "127.0.0.2")
		}
	}
	startServer(b, srv)
	r := resolver(b, srv.addr, nil) // no cache: every check goes to the server
	for _, bc := range []struct {
		name, target string
		want         Status
	}{
		{"clean", "192.0.2.1", StatusClean},
		{"listed", "192.0.2.99", StatusListed},
	} {
		b.Run(bc.name, func(b *testing.B) {
			start := time.Now()
			for b.Loop() {
				results := Check(b.Context(), nil, r, zones, bc.target, t0)
				if results[0].Status != bc.want || results[1].Status != StatusClean {
					b.Fatalf("unexpected results: %+v %+v", results[0], results[1])
				}
			}
			b.ReportMetric(float64(time.Since(start))/float64(b.N)/float64(delay), "delays/op")
		})
	}
}

// BenchmarkLookupCached is the cost of a cache hit.
func BenchmarkLookupCached(b *testing.B) {
	srv := startServer(b, &testServer{replies: map[string]reply{
		"2.0.0.127.bl.test.": listed(300, "listed", "127.0.0.2"),
	}})
	r := resolver(b, srv.addr, NewCache(100, 0))
	zone := Zone{Name: "bl.test", Codes: zenLike.Codes}
	Lookup(b.Context(), nil, r, zone, "127.0.0.2", t0)
	for b.Loop() {
		if res := Lookup(b.Context(), nil, r, zone, "127.0.0.2", t0); !res.Cached {
			b.Fatal("not cached")
		}
	}
}
