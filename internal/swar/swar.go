// Package swar holds what the loops that test eight bytes of a text at a
// time share (SIMD within a register): the word they read and the
// constants they test it with. The parser, the classifier's memo, the
// tracker, the sanitizer and the JSON quoter each scan ASCII text this way
// on the hot path; each loop's own test (which bytes it flags) stays with
// it, commented where it is.
package swar

const (
	// Ones has 0x01 in each byte: c*Ones is the byte c in each place.
	Ones = 0x0101010101010101
	// Highs has each byte's high bit (0x80) set.
	Highs = 0x8080808080808080
)

// Word is the first eight bytes of s as a little-endian word (s holds at
// least eight). encoding/binary reads a []byte; the texts scanned are
// strings, and this form compiles to one load, as binary's does.
func Word(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}
