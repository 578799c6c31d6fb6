package fresh

import (
	"runtime"
	"syscall"
	"testing"
)

// rusageThread is Linux's RUSAGE_THREAD: the calling thread's counts.
const rusageThread = 1

// minorFaults is the calling thread's minor page faults so far.
func minorFaults(t *testing.T) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		t.Skipf("getrusage(RUSAGE_THREAD): %v", err)
	}
	return ru.Minflt
}

// sink keeps the slices a test reads on the heap.
var sink []byte

// readFaults is the page faults that reading one byte of each page of s
// takes.
func readFaults(t *testing.T, s []byte) int64 {
	sink = s
	before := minorFaults(t)
	var sum byte
	for i := 0; i < len(s); i += 4096 {
		sum += s[i]
	}
	if sum != 0 {
		t.Fatalf("fresh memory's bytes sum to %d, want 0", sum)
	}
	return minorFaults(t) - before
}

// TestSliceWritesPages reads every page of a fresh 64 MiB slice made by
// make, then of one made by Slice: the first's reads map the zero page
// (16,384 faults; 32 with transparent huge pages), the second's pages are
// the process's own already. (With the race detector both fault on its
// shadow memory too.)
func TestSliceWritesPages(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("counts page faults with Linux's RUSAGE_THREAD")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	const n = 64 << 20
	plain := readFaults(t, make([]byte, n))
	written := readFaults(t, Slice[byte](n))
	sink = nil
	// At least one fault saved a huge page.
	if plain-written < n/(2<<20) {
		t.Errorf("reading a fresh 64 MiB slice: %d page faults from make, %d from Slice; want Slice's pages written before (at least %d fewer)", plain, written, n/(2<<20))
	}
}

func TestSliceLen(t *testing.T) {
	for _, n := range []int{0, 1, 511, 4096} {
		s := Slice[[]int32](n)
		if len(s) != n || cap(s) != n {
			t.Errorf("Slice(%d): len %d cap %d", n, len(s), cap(s))
		}
		for i, x := range s {
			if x != nil {
				t.Fatalf("Slice(%d)[%d] = %v, want nil", n, i, x)
			}
		}
	}
}
