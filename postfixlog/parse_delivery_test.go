package postfixlog

import (
	"reflect"
	"strings"
	"testing"
)

// TestDeliveryInOrder holds parseDelivery, which reads the fields in the
// order Postfix writes them by comparing each key as a word
// (deliveryInOrder), equal to the reading of the fields one by one in any
// order (deliveryFields alone): the table's delivery lines and fields in
// order, with conn_use= and orig_to=, one left out, two swapped, a key a
// byte off, a value with or without its comma, each cut after every byte.
func TestDeliveryInOrder(t *testing.T) {
	var bodies []string
	for _, c := range parseCases {
		if i := strings.Index(c.line, "to=<"); i >= 0 {
			bodies = append(bodies, c.line[i:])
		}
	}
	fields := []string{"relay=mx.example.net[192.0.2.7]:25", "conn_use=2", "delay=1.3", "delays=0.17/0.02/0.8/0.31", "dsn=4.7.1",
		"status=deferred (host mx.example.net[192.0.2.7] said: 450 4.7.1 try later (in reply to RCPT TO command))"}
	join := func(f []string) string { return "to=<a@example.net>, " + strings.Join(f, ", ") }
	bodies = append(bodies, join(fields), join(append([]string{"orig_to=<b@example.org>"}, fields...)),
		join(append(fields[:1:1], fields[2:]...)), "to=<a@example.net>, relay=none, delay=0, delays=0/0/0/0, dsn=5.0.0, status=sent (x)")
	for i := range fields {
		f := append(fields[:i:i], fields[i+1:]...)
		bodies = append(bodies, join(f))
		for j := range fields {
			g := append([]string(nil), fields...)
			g[i], g[j] = g[j], g[i]
			bodies = append(bodies, join(g))
		}
		for _, off := range []func(string) string{
			func(s string) string { return strings.Replace(s, "=", ":", 1) },
			func(s string) string { return strings.Replace(s, "=", "x=", 1) },
			func(s string) string { return strings.Replace(s, "=", "=,", 1) },
			func(s string) string { return strings.Replace(s, "=", "= ", 1) },
			func(s string) string { return s[:strings.IndexByte(s, '=')+1] },
			func(s string) string { return strings.ToUpper(s[:1]) + s[1:] },
		} {
			g := append([]string(nil), fields...)
			g[i] = off(g[i])
			bodies = append(bodies, join(g))
		}
	}
	n := len(bodies)
	for _, b := range bodies[:n] {
		for k := 3; k < len(b); k++ {
			bodies = append(bodies, b[:k])
		}
		bodies = append(bodies, strings.Replace(b, ", ", ",", 1), strings.Replace(b, ", ", " ,", 2))
	}
	for _, body := range bodies {
		var got, want Record
		parseDelivery(body, &got)
		want.Kind = KindDelivery
		if to, s, ok := cutAngle(body[3:]); ok {
			want.To = to
			deliveryFields(s, &want)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q:\n%s", body, diffRecords(got, want))
		}
	}
}
