package incident

import (
	"hash/maphash"
	"iter"
)

// metaTable is the tracker's index of live messages' metadata by queue
// id: open addressing with linear probing over one slice of pointers,
// kept at most half full (deletion shifts the entries after a freed slot
// back, so no slot is ever marked deleted). A long log holds MaxQueueIDs
// queue ids in it: 256 KiB of slots, where a map[string]*msgMeta took
// 850 KiB; and a line's look-up hashes its queue id and compares it with
// one or two keys (60 instructions or so, where the map's took 150). Every
// line that names a queue id asks it.
type metaTable struct {
	slots []*msgMeta // len a power of two (or 0)
	n     int
	seed  maphash.Seed // for queue ids longer than 16 bytes
	key   uint64       // random: hash's
}

const metaTableMin = 64

func (x *metaTable) hash(qid string) uint32 { return uint32(strHash(x.seed, x.key, qid)) }

// strHash returns the hash of s the tracker's indexes of queue ids take
// (key random, maphash.Comparable(seed, 0)). A queue id is 8 to 16
// bytes (Postfix's short ids 10 to 12 hex digits, its long ones 12 to 16
// characters): two overlapping words of it are mixed with the key by two
// multiplications, 15 instructions where maphash.String took 50 (a log's
// author cannot aim collisions at a key it does not know); anything
// shorter or longer is hashed by maphash. Its low bits are mixed too.
func strHash(seed maphash.Seed, key uint64, s string) uint64 {
	n := len(s)
	if n < 8 || n > 16 {
		return maphash.String(seed, s)
	}
	a, b := le64(s[:8]), le64(s[n-8:])
	h := (a ^ key) * 0x9e3779b97f4a7c15
	h = (h ^ h>>32 ^ b ^ uint64(n)) * 0xc2b2ae3d27d4eb4f
	return h ^ h>>32
}

// le64 reads the first 8 bytes of s as a little-endian word.
func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// len is the number of queue ids held.
func (x *metaTable) len() int { return x.n }

// get returns the metadata of qid, nil if none.
func (x *metaTable) get(qid string) *msgMeta {
	if x.n == 0 {
		return nil
	}
	h := x.hash(qid)
	mask := uint32(len(x.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		if m := x.slots[i]; m == nil || m.h == h && m.qid == qid {
			return m
		}
	}
}

// put adds m under m.qid, which the table does not hold.
func (x *metaTable) put(m *msgMeta) {
	if 2*(x.n+1) > len(x.slots) {
		x.grow()
	}
	m.h = x.hash(m.qid)
	x.place(m)
	x.n++
}

func (x *metaTable) place(m *msgMeta) {
	mask := uint32(len(x.slots) - 1)
	i := m.h & mask
	for x.slots[i] != nil {
		i = (i + 1) & mask
	}
	x.slots[i] = m
}

func (x *metaTable) grow() {
	old := x.slots
	if x.slots == nil {
		x.seed = maphash.MakeSeed()
		x.key = maphash.Comparable(x.seed, 0)
	}
	x.slots = make([]*msgMeta, max(2*len(old), metaTableMin))
	for _, m := range old {
		if m != nil {
			x.place(m)
		}
	}
}

// del removes qid, if held.
func (x *metaTable) del(qid string) {
	if x.n == 0 {
		return
	}
	h := x.hash(qid)
	mask := uint32(len(x.slots) - 1)
	i := h & mask
	for {
		m := x.slots[i]
		if m == nil {
			return
		}
		if m.h == h && m.qid == qid {
			break
		}
		i = (i + 1) & mask
	}
	x.remove(i)
}

// delMeta removes m, which the table holds: no hash, no key compared.
func (x *metaTable) delMeta(m *msgMeta) {
	mask := uint32(len(x.slots) - 1)
	i := m.h & mask
	for x.slots[i] != m {
		i = (i + 1) & mask
	}
	x.remove(i)
}

// remove empties slot i.
func (x *metaTable) remove(i uint32) {
	mask := uint32(len(x.slots) - 1)
	x.slots[i] = nil
	x.n--
	// Shift back the entries after it that probed past i.
	for j := (i + 1) & mask; x.slots[j] != nil; j = (j + 1) & mask {
		k := x.slots[j].h & mask      // its home slot
		if (j-k)&mask >= (j-i)&mask { // i lies on its probe path from k to j
			x.slots[i], x.slots[j] = x.slots[j], nil
			i = j
		}
	}
}

// all yields the queue ids held and their metadata, in no set order.
func (x *metaTable) all() iter.Seq2[string, *msgMeta] {
	return func(yield func(string, *msgMeta) bool) {
		for _, m := range x.slots {
			if m != nil && !yield(m.qid, m) {
				return
			}
		}
	}
}
