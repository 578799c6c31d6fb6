package incident

// timerHeap orders the active incidents by their next deadline
// (container/heap): advancing time pops only what is due, instead of
// looking at every incident.
type timerHeap []*state

func (h timerHeap) Len() int           { return len(h) }
func (h timerHeap) Less(i, j int) bool { return h[i].due < h[j].due }
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].hidx = i
	h[j].hidx = j
}

func (h *timerHeap) Push(x any) {
	st := x.(*state)
	st.hidx = len(*h)
	*h = append(*h, st)
}

func (h *timerHeap) Pop() any {
	old := *h
	st := old[len(old)-1]
	old[len(old)-1] = nil
	st.hidx = -1
	*h = old[:len(old)-1]
	return st
}
