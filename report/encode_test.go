package report

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
)

// hostilePieces are what the random strings are made of: every escape
// encoding/json knows, markup, invalid and multi-byte UTF-8, the line and
// paragraph separators.
var hostilePieces = []string{"", "a", "spamhaus.org", " ", `"`, `\`, "/", "<", ">", "&", "<script>", "\n", "\r", "\t", "\b", "\f",
	"\x00", "\x01", "\x1f", "\x7f", "é", "日本", "\u2028", "\u2029", "\u202e", "\ufffd", "\xff", "\xe2\x80", "\xc3", "🙂", "{}[],:"}

func randomString(r *rand.Rand) string {
	var b strings.Builder
	for range r.IntN(8) {
		b.WriteString(hostilePieces[r.IntN(len(hostilePieces))])
	}
	return b.String()
}

var zones = []*time.Location{time.UTC, time.FixedZone("JST", 9*3600), time.FixedZone("X", -(3*3600 + 30*60)), time.FixedZone("Y", 23*3600+59*60)}

func randomTime(r *rand.Rand) time.Time {
	t := time.Date(1990+r.IntN(60), time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60), 0, time.UTC)
	switch r.IntN(4) {
	case 0:
		t = t.Add(time.Duration(r.IntN(1e9)))
	case 1:
		t = t.Add(time.Duration(r.IntN(1000)) * time.Millisecond)
	}
	return t.In(zones[r.IntN(len(zones))])
}

// fill sets every field v holds (following pointers, slices and maps) to
// a random value, zero and nil included: a field added to the report
// gets values too, so an encoder that does not write it fails the test.
func fill(r *rand.Rand, v reflect.Value) {
	if v.Type() == reflect.TypeFor[time.Time]() {
		if r.IntN(8) > 0 {
			v.Set(reflect.ValueOf(randomTime(r)))
		}
		return
	}
	switch v.Kind() {
	case reflect.String:
		if r.IntN(4) > 0 {
			v.SetString(randomString(r))
		}
	case reflect.Bool:
		v.SetBool(r.IntN(2) == 0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		switch r.IntN(4) {
		case 0:
		case 1:
			v.SetInt(-int64(r.IntN(1000)))
		default:
			v.SetInt(int64(r.Uint32()))
		}
	case reflect.Pointer:
		if r.IntN(3) > 0 {
			p := reflect.New(v.Type().Elem())
			fill(r, p.Elem())
			v.Set(p)
		}
	case reflect.Slice:
		switch r.IntN(4) {
		case 0: // nil
		case 1:
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
		default:
			s := reflect.MakeSlice(v.Type(), 1+r.IntN(4), 4)
			for i := range s.Len() {
				fill(r, s.Index(i))
			}
			v.Set(s)
		}
	case reflect.Map:
		if r.IntN(4) == 0 {
			return
		}
		m := reflect.MakeMap(v.Type())
		for range r.IntN(5) {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			fill(r, k)
			fill(r, e)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(r, v.Field(i))
			}
		}
	default:
		panic("fill: no random " + v.Type().String())
	}
}

// bothJSON writes rep with WriteJSON and with json.Encoder and
// SetIndent("", "  "), what WriteJSON must equal.
func bothJSON(rep *Report) (got, want string, gotErr, wantErr error) {
	var g, w bytes.Buffer
	enc := json.NewEncoder(&w)
	enc.SetIndent("", "  ")
	wantErr = enc.Encode(rep)
	gotErr = WriteJSON(&g, rep)
	return g.String(), w.String(), gotErr, wantErr
}

// TestEncodeIncidentAsEncoding checks that WriteJSON, which writes the
// incidents by hand (encoder), writes what json.Encoder with
// SetIndent("", "  ") writes, on reports of random incidents with hostile
// texts, every field filled or left empty, nil, or absent.
func TestEncodeIncidentAsEncoding(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 10))
	for round := range 300 {
		rep := &Report{Files: []string{"mail.log"}, Failures: map[string]int64{}, Incidents: []Incident{}}
		for range r.IntN(5) + round%3*encodeWindow/2 {
			var inc Incident
			fill(r, reflect.ValueOf(&inc).Elem())
			rep.Incidents = append(rep.Incidents, inc)
		}
		g, w, gotErr, wantErr := bothJSON(rep)
		if gotErr != nil || wantErr != nil {
			t.Fatal(gotErr, wantErr)
		}
		if g != w {
			i := 0
			for i < len(g) && i < len(w) && g[i] == w[i] {
				i++
			}
			t.Fatalf("round %d: WriteJSON differs from json.Encoder at byte %d:\n%s\nwant\n%s", round, i, g[max(0, i-200):min(len(g), i+200)], w[max(0, i-200):min(len(w), i+200)])
		}
	}
}

// TestEncodeIncidentRefused checks that an incident encoding/json refuses
// (a time outside RFC 3339's years) is refused as encoding/json refuses it,
// and that a time it takes in an unusual zone is written as it writes it.
func TestEncodeIncidentRefused(t *testing.T) {
	for _, tc := range []struct {
		at     time.Time
		refuse bool
	}{
		{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("far", 24*3600)), true},
		{time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("odd", 3600+17)), false},
		{time.Date(0, 1, 1, 0, 0, 0, 1, time.UTC), false},
		{time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.FixedZone("near", -(23*3600+59*60))), false},
	} {
		rep := &Report{Files: []string{}, Incidents: []Incident{{ID: "a"}, {ID: "b", LastSeen: tc.at}}}
		got, want, gotErr, wantErr := bothJSON(rep)
		if (wantErr != nil) != tc.refuse || (gotErr != nil) != tc.refuse {
			t.Errorf("%v: WriteJSON error %v, json.Encoder error %v, want refused %v", tc.at, gotErr, wantErr, tc.refuse)
			continue
		}
		if gotErr != nil {
			if gotErr.Error() != wantErr.Error() {
				t.Errorf("%v: WriteJSON error %q, want %q", tc.at, gotErr, wantErr)
			}
			continue
		}
		if got != want {
			t.Errorf("%v: WriteJSON\n%s\nwant\n%s", tc.at, got, want)
		}
	}
}

// TestAppendTime holds appendTime to AppendFormat with RFC3339Nano on
// random times of every year from before 0 to after 9999, whole seconds
// and not, at offset 0 (UTC and other names) and other offsets.
func TestAppendTime(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	zones := []*time.Location{time.UTC, time.FixedZone("GMT", 0), time.FixedZone("", 0), time.FixedZone("east", 9*3600), time.FixedZone("west", -(3*3600 + 30*60))}
	for i := range 200000 {
		at := time.Unix(r.Int64N(320000000000)-62200000000, 0)
		if i%5 == 0 {
			at = at.Add(time.Duration(r.IntN(1e9)))
		}
		at = at.In(zones[i%len(zones)])
		if got, want := string(appendTime([]byte("x"), at)), string(at.AppendFormat([]byte("x"), time.RFC3339Nano)); got != want {
			t.Fatalf("appendTime(%v) = %s, want %s", at, got, want)
		}
	}
}
