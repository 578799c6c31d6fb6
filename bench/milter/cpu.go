package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CPU accounting of the benchmark's processes, in nanoseconds.
//
// msgs/s alone cannot decide a 5 % goal on two cores shared with other
// work: the others' load moves every run's rate by more than that. What a
// milter costs on a saturated machine is CPU, so the benchmark also
// measures the CPU every process involved spends per message — Postfix's
// daemons one by one, rblwatch, the null milter, smtp-source and
// smtp-sink — and the ratio that CPU predicts (see report).
//
// Postfix's processes are put into a cgroup of their own (cgroup v1
// cpuacct, or cgroup v2), whose counter includes processes that exited
// during a run; each living process's share comes from
// /proc/PID/schedstat (ns on the CPU), by its name. The benchmark sets
// max_use high so that Postfix's daemons live through the runs and every
// nanosecond is attributed; what exited shows as "exited".

// cgroup is a cgroup holding Postfix's processes; nil when the machine
// offers none (CPU then comes from /proc in 10 ms ticks, groupCPU).
type cgroup struct {
	dir   string // the cgroup's directory
	root  string // where its processes go back to when it is removed
	usage func() (int64, error)
}

// newCgroup makes a cgroup for the process group pgrp (Postfix's master
// and its children) and moves its processes there; children forked later
// are born in it.
func newCgroup(pgrp int) (*cgroup, error) {
	name := fmt.Sprintf("rblwatch-milterbench-%d", os.Getpid())
	var g *cgroup
	switch {
	case exists("/sys/fs/cgroup/cpuacct/cpuacct.usage"):
		g = &cgroup{dir: "/sys/fs/cgroup/cpuacct/" + name, root: "/sys/fs/cgroup/cpuacct"}
		g.usage = func() (int64, error) { return readInt(filepath.Join(g.dir, "cpuacct.usage")) }
	case exists("/sys/fs/cgroup/cgroup.controllers"):
		g = &cgroup{dir: "/sys/fs/cgroup/" + name, root: "/sys/fs/cgroup"}
		g.usage = func() (int64, error) {
			b, err := os.ReadFile(filepath.Join(g.dir, "cpu.stat"))
			if err != nil {
				return 0, err
			}
			for _, line := range strings.Split(string(b), "\n") {
				if v, ok := strings.CutPrefix(line, "usage_usec "); ok {
					n, err := strconv.ParseInt(v, 10, 64)
					return n * 1000, err
				}
			}
			return 0, fmt.Errorf("%s: no usage_usec", g.dir)
		}
	default:
		return nil, fmt.Errorf("no cgroup v1 cpuacct or cgroup v2 hierarchy under /sys/fs/cgroup")
	}
	if err := os.Mkdir(g.dir, 0o755); err != nil {
		return nil, err
	}
	for p := range pgrpMembers(pgrp) {
		if err := os.WriteFile(filepath.Join(g.dir, "cgroup.procs"), []byte(strconv.Itoa(p)), 0); err != nil && exists(fmt.Sprintf("/proc/%d", p)) {
			g.remove()
			return nil, fmt.Errorf("moving pid %d to %s: %w", p, g.dir, err)
		}
	}
	if _, err := g.usage(); err != nil {
		g.remove()
		return nil, err
	}
	return g, nil
}

// remove moves what is left in the cgroup back to the root and removes it.
func (g *cgroup) remove() {
	for range 10 {
		for _, p := range g.pids() {
			os.WriteFile(filepath.Join(g.root, "cgroup.procs"), []byte(strconv.Itoa(p)), 0)
		}
		if err := os.Remove(g.dir); err == nil || os.IsNotExist(err) {
			return
		}
		time.Sleep(50 * time.Millisecond) // a process forked meanwhile
	}
}

func (g *cgroup) pids() []int {
	b, _ := os.ReadFile(filepath.Join(g.dir, "cgroup.procs"))
	var pids []int
	for _, f := range strings.Fields(string(b)) {
		if p, err := strconv.Atoi(f); err == nil {
			pids = append(pids, p)
		}
	}
	return pids
}

// pgrpMembers lists the processes of process group pgrp, each with the
// fields of its /proc/PID/stat after "(comm) ": state, ppid, pgrp, …,
// utime (index 11), stime, cutime, cstime.
func pgrpMembers(pgrp int) map[int][]string {
	entries, _ := os.ReadDir("/proc")
	pids := map[int][]string{}
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p))
		if err != nil {
			continue
		}
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
		if g, _ := strconv.Atoi(f[2]); g == pgrp {
			pids[p] = f
		}
	}
	return pids
}

// procSnap is each living process of a cgroup: its name and CPU so far.
type procSnap map[int]procCPUns

type procCPUns struct {
	comm string
	ns   int64
}

// snapProcs reads the name and the CPU time (ns, all threads) of pids.
func snapProcs(pids []int) procSnap {
	s := procSnap{}
	for _, p := range pids {
		comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", p))
		if err != nil {
			continue
		}
		s[p] = procCPUns{comm: strings.TrimSpace(string(comm)), ns: threadsCPU(p)}
	}
	return s
}

// postfixCPU is Postfix's CPU during a run, ns: the whole cgroup's and
// that of each daemon by name; exited is what processes that ended during
// the run took (the total less what the living ones account for).
type postfixCPU struct {
	total  int64
	byName map[string]int64
	exited int64
}

// sub is the CPU between snapshots a (before) and b (after): a process
// in b and not in a started during the run.
func diffProcs(a, b procSnap, total int64) postfixCPU {
	c := postfixCPU{total: total, byName: map[string]int64{}}
	var sum int64
	for p, after := range b {
		d := after.ns
		if before, ok := a[p]; ok && before.comm == after.comm {
			d -= before.ns
		}
		c.byName[after.comm] += d
		sum += d
	}
	c.exited = max(total-sum, 0)
	return c
}

// postfixDaemons are the daemons reported on their own, in this order;
// the others (master, trivial-rewrite, anvil, …) are summed as "other".
var postfixDaemons = []string{"smtpd", "cleanup", "qmgr", "smtp"}

// split returns the CPU of postfixDaemons, "other" and "exited", in that
// order.
func (c postfixCPU) split() []int64 {
	out := make([]int64, 0, len(postfixDaemons)+2)
	other := int64(0)
	for name, ns := range c.byName {
		if !slices.Contains(postfixDaemons, name) {
			other += ns
		}
	}
	for _, d := range postfixDaemons {
		out = append(out, c.byName[d])
	}
	return append(out, other, c.exited)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func readInt(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
}
