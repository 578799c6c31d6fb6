package swar

import (
	"encoding/binary"
	"testing"
)

// TestWord holds Word to encoding/binary's little-endian read: the first
// byte is the lowest, bytes past the eighth are not read.
func TestWord(t *testing.T) {
	for _, s := range []string{"\x00\x00\x00\x00\x00\x00\x00\x00", "abcdefgh", "status=bounced", "\x01\x02\x03\x04\x05\x06\x07\x80\xff", "\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8"} {
		if got, want := Word(s), binary.LittleEndian.Uint64([]byte(s)); got != want {
			t.Errorf("Word(%q) = %#x, want %#x", s, got, want)
		}
	}
	if Ones*'a' != binary.LittleEndian.Uint64([]byte("aaaaaaaa")) || Highs != binary.LittleEndian.Uint64([]byte("\x80\x80\x80\x80\x80\x80\x80\x80")) {
		t.Errorf("Ones or Highs is not its byte in each place")
	}
}
