package incident

import (
	"hash/maphash"

	"github.com/rblwatch/rblwatch/internal/swar"
)

// strHash returns the hash of s the tracker's tables take (Tracker.hash;
// key random, maphash.Comparable(seed, 0)). A queue id is 8 to 16 bytes
// (Postfix's short ids 10 to 12 hex digits, its long ones 12 to 16
// characters): two overlapping words of it are mixed with the key by two
// multiplications, 15 instructions where maphash.String took 50 (a log's
// author cannot aim collisions at a key it does not know); anything
// shorter or longer is hashed by maphash. Its low bits are mixed too.
func strHash(seed maphash.Seed, key uint64, s string) uint64 {
	n := len(s)
	if n < 8 || n > 16 {
		return maphash.String(seed, s)
	}
	a, b := swar.Word(s[:8]), swar.Word(s[n-8:])
	h := (a ^ key) * 0x9e3779b97f4a7c15
	h = (h ^ h>>32 ^ b ^ uint64(n)) * 0xc2b2ae3d27d4eb4f
	return h ^ h>>32
}
