package incident

import "hash/maphash"

// index is a map from strings (recipient domains, queue ids) with a filter
// in front of it that answers most lookups of an absent key without
// touching the map. Nearly every line the tracker reads asks about a key it
// does not hold (a delivery to a domain no incident refused, of a message
// no incident affects); with thousands of open incidents the map's groups
// no longer stay in the processor's caches, and such a lookup cost a cache
// miss where the filter's 64 KiB stay cached: a count of the keys per slot
// of their hash, where a slot counting 0 means "absent" for sure.
//
// The filter exists from filterFrom keys on (a small map is cheaper to
// ask directly). A slot counts up to 255 keys; one that reached 255 stays
// there for good (it then always says "maybe", which is safe).
type index[V any] struct {
	m      map[string]V
	seed   maphash.Seed
	key    uint64              // strHash's
	counts *[filterSlots]uint8 // nil below filterFrom keys
}

const (
	filterSlots = 1 << 16
	filterFrom  = 256
)

func newIndex[V any]() index[V] {
	seed := maphash.MakeSeed()
	return index[V]{m: make(map[string]V), seed: seed, key: maphash.Comparable(seed, 0)}
}

func (x *index[V]) slot(k string) *uint8 {
	return &x.counts[strHash(x.seed, x.key, k)&(filterSlots-1)]
}

// get returns the value under k, the zero value if there is none.
func (x *index[V]) get(k string) V {
	if x.counts != nil && *x.slot(k) == 0 {
		var zero V
		return zero
	}
	return x.m[k]
}

// put sets the value under k.
func (x *index[V]) put(k string, v V) {
	if x.counts != nil {
		if _, ok := x.m[k]; !ok {
			if c := x.slot(k); *c < 255 {
				*c++
			}
		}
	}
	x.m[k] = v
	if x.counts == nil && len(x.m) >= filterFrom {
		x.counts = new([filterSlots]uint8)
		for k := range x.m {
			if c := x.slot(k); *c < 255 {
				*c++
			}
		}
	}
}

// del removes k.
func (x *index[V]) del(k string) {
	if _, ok := x.m[k]; !ok {
		return
	}
	delete(x.m, k)
	if x.counts != nil {
		if c := x.slot(k); *c < 255 {
			*c--
		}
	}
}

// len is the number of keys.
func (x *index[V]) len() int { return len(x.m) }
