package dnsbl

import (
	"container/list"
	"net/netip"
	"sync"
	"time"
)

// DefaultCacheMaxTTL caps how long an answer is kept, whatever its TTL.
const DefaultCacheMaxTTL = time.Hour

// Cache keeps the DNS answers behind listed and clean results for as long as their DNS TTL allows:
// the TTL of the A (and TXT) answers for a listing, the SOA minimum for a
// negative answer (RFC 2308: the lesser of the SOA record's TTL and its
// MINIMUM field). Errors are never cached. It holds at most a fixed number
// of entries, dropping the least recently used. Time is passed in. A Cache
// is safe for concurrent use; the zero value is not usable, use NewCache.
type Cache struct {
	max    int
	maxTTL time.Duration

	mu sync.Mutex
	ll *list.List // front: most recently used
	m  map[string]*list.Element
}

type cacheEntry struct {
	key     string
	ans     rawAnswer
	expires time.Time
}

// NewCache returns a cache of at most max entries (at least 1), keeping
// none longer than maxTTL (DefaultCacheMaxTTL when zero).
func NewCache(max int, maxTTL time.Duration) *Cache {
	if max < 1 {
		max = 1
	}
	if maxTTL <= 0 {
		maxTTL = DefaultCacheMaxTTL
	}
	return &Cache{max: max, maxTTL: maxTTL, ll: list.New(), m: map[string]*list.Element{}}
}

// Len returns the number of entries, expired ones included.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}

// get returns the answer stored under key if it has not expired at now,
// with ttl set to the time it has left.
func (c *Cache) get(key string, now time.Time) (rawAnswer, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.m[key]
	if !ok {
		return rawAnswer{}, false
	}
	e := el.Value.(*cacheEntry)
	if !now.Before(e.expires) {
		c.ll.Remove(el)
		delete(c.m, key)
		return rawAnswer{}, false
	}
	c.ll.MoveToFront(el)
	a := e.ans
	a.addrs = append([]netip.Addr(nil), a.addrs...)
	a.ttl = e.expires.Sub(now)
	return a, true
}

// put stores a under key for a.ttl (capped at the cache's maximum) from
// now. Answers without a TTL are not stored.
func (c *Cache) put(key string, a rawAnswer, now time.Time) {
	if a.ttl <= 0 {
		return
	}
	ttl := min(a.ttl, c.maxTTL)
	a.addrs = append([]netip.Addr(nil), a.addrs...)
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[key]; ok {
		e := el.Value.(*cacheEntry)
		e.ans, e.expires = a, now.Add(ttl)
		c.ll.MoveToFront(el)
		return
	}
	for c.ll.Len() >= c.max {
		old := c.ll.Back()
		c.ll.Remove(old)
		delete(c.m, old.Value.(*cacheEntry).key)
	}
	c.m[key] = c.ll.PushFront(&cacheEntry{key: key, ans: a, expires: now.Add(ttl)})
}
