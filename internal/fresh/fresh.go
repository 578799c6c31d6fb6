// Package fresh makes tables that are read before they are written — hash
// tables probed for an empty slot, lists appended to by index — with every
// page written first.
//
// The runtime takes a large allocation, and the spans of small ones, from
// memory it has not touched since the kernel gave it (it knows that memory
// is zero and leaves it). A read of such a page maps the kernel's shared
// zero page; the write that follows replaces it with a page of its own
// (copy on write), and the kernel must then flush the old mapping from
// every CPU that runs the process: at two CPUs an interrupt to the other
// one and a wait for it, some microseconds on a virtual machine, where a
// page first written costs one fault and nothing else. A replay at
// GOMAXPROCS=2 took ~500 such faults, about half of them in these tables.
package fresh

// Slice returns make([]T, n) with its pages written (cleared) once.
func Slice[T any](n int) []T {
	s := make([]T, n)
	clear(s)
	return s
}
