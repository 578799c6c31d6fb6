package classify

import (
	"testing"
)

// TestSuffixIndexAsLinearScan checks that the suffix index finds what
// trying every entry in catalog order finds (slowFirst, hostHasSuffix),
// for host names of every shape: the catalog's own suffixes, names under
// them, look-alikes, case, trailing dots and non-ASCII bytes.
func TestSuffixIndexAsLinearScan(t *testing.T) {
	c := Default()
	hosts := []string{"", ".", "com", "x.com", "outlook.com", "OUTLOOK.COM", "mx.Outlook.Com.", "protection.outlook.com",
		"hotmail-com.olc.protection.outlook.com", "notoutlook.com", "outlook.com.evil.example", "a..outlook.com",
		"mx.k\u212aoutlook.com", "gmail-smtp-in.l.google.com", "mta5.am0.yahoodns.net", "sub.spamhaus.org", "spamhaus.org.",
		"eu-smtp-inbound-1.mimecast.com", "d733223a.ess.barracudanetworks.com", "mx.example.org", "192.0.2.1"}
	for _, e := range c.domainProv {
		hosts = append(hosts, e.suffix, "mx1."+e.suffix, "x"+e.suffix, e.suffix+".example")
	}
	for _, idx := range []*suffixIndex{c.hostIdx, c.domainIdx} {
		for _, h := range hosts {
			for _, kinds := range [][]Kind{nil, {KindDNSBL}, {KindProprietary}} {
				if got, want := idx.first([]byte(h), kinds), idx.slowFirst(h, kinds); got != want {
					t.Errorf("first(%q, %v) = %v, want %v", h, kinds, name(got), name(want))
				}
			}
		}
	}
}

func name(p *Provider) string {
	if p == nil {
		return "<nil>"
	}
	return p.ID
}
