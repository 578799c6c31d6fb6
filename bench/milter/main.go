// Command milter measures what rblwatch's milter costs Postfix: messages per
// second through a private Postfix, relaying to smtp-sink, with smtp-source
// injecting over SMTP, in modes taken in turns:
//
//	off   smtpd without milter
//	on    smtpd_milters = rblwatch's milter
//	down  smtpd_milters = a loopback port nobody listens on (rblwatch's
//	      milter configured in Postfix, rblwatch's milter not running)
//	null  smtpd_milters = nullmilter (bench/nullmilter/nullmilter.c, -null): a milter in C
//	      that exchanges the same packets and does nothing else, the least
//	      any milter costs Postfix
//
//	go run ./bench/milter -rblwatch PATH [-rounds 7] [-n 2000] [-sessions 20] [-null PATH -modes off,on,null]
//
// One Postfix instance (internal/postfixtest) serves the modes on smtpd
// ports of one master.cf, so the modes differ in nothing but the
// milter. One "rblwatch run" follows the instance's log in every mode (it
// does in production whether or not its milter is on) and serves the
// milter. A run sends n messages with smtp-source (sessions in parallel,
// one message per connection, as submission clients do) and ends when the
// log shows all n delivered to smtp-sink; msgs/s = n / that time. Rounds
// rotate the order of the modes. It reports per mode the median msgs/s, the
// ratio to "off", the median injection rate (smtp-source alone), and the
// CPU time per message of every process involved: Postfix's (a cgroup of
// its own, and by daemon from /proc/PID/schedstat: smtpd, cleanup, qmgr,
// smtp, the others), rblwatch's, the null milter's, smtp-source's and
// smtp-sink's (cpu.go). Against off, paired by round, it gives the
// measured msgs/s ratio and the ratio that CPU predicts on saturated CPUs
// (T_off/T_on, T the CPU every message costs all of them), and what the
// milter adds per message, split into rblwatch's CPU and Postfix's own
// extra work by daemon (report.go). In "on" mode
// every message must have been marked (rblwatch_milter_messages_total and
// facts_stored_total grow by n), or the run is an error.
//
// SIGINT or SIGTERM ends the benchmark early and cleanly: the run under way
// is abandoned (smtp-source killed), Postfix stopped and its instance
// directory (/tmp/rblwatch-postfix-*) removed, rblwatch and the null milter
// stopped, the work directory removed; then it exits with status 130. A
// second signal during that cleanup is ignored. rblwatch and the null
// milter also die with the benchmark if it is killed outright (Pdeathsig),
// but a SIGKILL leaves the Postfix instance behind, and smtp-sink (which
// changes its user, and so loses the parent-death signal).
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	pt "github.com/rblwatch/rblwatch/internal/postfixtest"
	"github.com/rblwatch/rblwatch/internal/testproc"
	"github.com/rblwatch/rblwatch/milter"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	interrupted := ctx.Err() != nil
	stop()
	if interrupted {
		fmt.Fprintln(os.Stderr, "milter bench: interrupted; cleaned up:", err)
		os.Exit(130)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "milter bench:", err)
		os.Exit(1)
	}
}

// errInterrupted ends a run that a signal cut short.
var errInterrupted = errors.New("interrupted")

// interrupted returns errInterrupted once ctx is done.
func interrupted(ctx context.Context) error {
	if ctx.Err() != nil {
		return errInterrupted
	}
	return nil
}

// child prepares a program the benchmark starts and stops itself: it dies
// with the benchmark's thread that started it if the benchmark is killed.
func child(name string, args ...string) *exec.Cmd {
	c := exec.Command(name, args...)
	c.SysProcAttr = dieWithParent()
	return c
}

// stopChild sends sig to a started program and waits for it, with SIGKILL
// after 10 s.
func stopChild(c *exec.Cmd, sig os.Signal) {
	_ = c.Process.Signal(sig)
	done := make(chan struct{})
	go func() { c.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = c.Process.Kill()
		<-done
	}
}

type options struct {
	bin       string
	rounds    int
	n         int
	sessions  int
	size      int
	modes     string
	follow    bool
	unix      bool
	synthetic bool
	reuse     bool
	pause     time.Duration
	null      string
}

var allModes = []string{"off", "on", "down", "null"}

// run runs the benchmark until it ends or ctx is done (a signal), and
// cleans up in both cases: every process it started is stopped and every
// directory it made removed before it returns.
func run(ctx context.Context, args []string, out io.Writer) (err error) {
	var o options
	fs := flag.NewFlagSet("milter", flag.ContinueOnError)
	fs.StringVar(&o.bin, "rblwatch", "", "the rblwatch binary to run (required)")
	fs.IntVar(&o.rounds, "rounds", 7, "rounds; each runs every mode once, in a rotating order")
	fs.IntVar(&o.n, "n", 2000, "messages per run")
	fs.IntVar(&o.sessions, "sessions", 20, "parallel SMTP sessions of smtp-source")
	fs.IntVar(&o.size, "size", 2048, "message body size in bytes")
	fs.BoolVar(&o.synthetic, "synthetic", false, "no Postfix: drive rblwatch's milter with a Postfix-like client and report its CPU and context switches per message")
	fs.DurationVar(&o.pause, "pause", time.Millisecond, "-synthetic: pause between the phases of a session")
	fs.BoolVar(&o.reuse, "reuse", false, "smtp-source sends all its messages over each connection (-d) instead of one per connection")
	fs.BoolVar(&o.unix, "unix", false, "the milter listens on a unix socket (default: TCP on 127.0.0.1)")
	fs.BoolVar(&o.follow, "follow", true, "rblwatch follows Postfix's log (false: an empty log, so that its CPU is the milter's alone)")
	fs.StringVar(&o.modes, "modes", "off,on,down", "the modes to run, in this order in the first round")
	fs.StringVar(&o.null, "null", "", "the nullmilter binary (cc -O2 -o nullmilter bench/nullmilter/nullmilter.c): serves mode null; with -synthetic, driven instead of rblwatch")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.bin == "" || o.rounds < 1 || o.n < 1 || o.sessions < 1 {
		return errors.New("need -rblwatch, -rounds >= 1, -n >= 1, -sessions >= 1")
	}
	modes := strings.Split(o.modes, ",")
	for _, m := range modes {
		if !slices.Contains(allModes, m) {
			return fmt.Errorf("-modes: unknown mode %q (want off, on, down, null)", m)
		}
		if m == "null" && o.null == "" {
			return errors.New("-modes null needs -null PATH")
		}
	}
	if o.synthetic {
		return synthetic(ctx, o, out)
	}
	if err := pt.Available(); err != nil {
		return err
	}
	for _, bin := range []string{"smtp-source", "smtp-sink"} {
		if _, err := exec.LookPath(bin); err != nil {
			return fmt.Errorf("%s: %w (it comes with Debian's postfix package)", bin, err)
		}
	}
	work, err := os.MkdirTemp("", "rblwatch-milterbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	// Every port the run hands out, picked at once: distinct.
	free, err := testproc.FreePorts("127.0.0.1", 8)
	if err != nil {
		return err
	}
	// smtp-sink: the remote every message goes to.
	sinkAddr := "127.0.0.31:" + strconv.Itoa(free[0])
	sink := child("smtp-sink", "-u", "nobody", "-h", "sink.bench.test", sinkAddr, "256")
	sink.Stdout, sink.Stderr = io.Discard, os.Stderr
	if err := sink.Start(); err != nil {
		return fmt.Errorf("smtp-sink: %w", err)
	}
	defer stopChild(sink, syscall.SIGKILL)

	milterPort, downPort := free[1], free[2]
	pf, err := pt.New(pt.Options{
		Routes:   []pt.Route{{Domain: "*", Addr: sinkAddr}},
		Hostname: "mx.bench.test",
		Timeout:  2 * time.Minute,
		// Postfix's daemons live through the runs (Postfix's
		// default: a new process every 100 sessions), so that their CPU
		// is attributed by name (cpu.go); every mode alike.
		Main: map[string]string{"max_use": "1000000"},
	})
	if pf != nil {
		// Stops Postfix and removes /tmp/rblwatch-postfix-*.
		defer func() {
			if cerr := pf.Close(); cerr != nil {
				err = errors.Join(err, fmt.Errorf("stopping Postfix: %w", cerr))
			}
		}()
	}
	if err != nil {
		return err
	}
	if err := interrupted(ctx); err != nil {
		return err
	}
	ports := map[string]int{"off": 0, "on": free[3], "down": free[4], "null": free[5]}
	_, p, _ := net.SplitHostPort(pf.SMTPAddr())
	ports["off"], _ = strconv.Atoi(p)
	// Postfix's name for the milter, and rblwatch's. Postfix uses the
	// settings docs/milter.md recommends (milter.PostfixMilter), given
	// to the smtpd services of "on" and "down" through main.cf
	// parameters of their own.
	nullPort := free[6]
	pfMilter, rwMilter := fmt.Sprintf("inet:127.0.0.1:%d", milterPort), fmt.Sprintf("inet:127.0.0.1:%d", milterPort)
	nullMilter := fmt.Sprintf("inet:127.0.0.1:%d", nullPort)
	if o.unix {
		sock := filepath.Join(work, "milter.sock")
		if err := os.Chmod(work, 0o755); err != nil {
			return err
		}
		pfMilter, rwMilter = "unix:"+sock, "unix:"+sock
		nullMilter = "unix:" + filepath.Join(work, "null.sock")
	}
	if err := postconf(pf, "bench_on_milters="+milter.PostfixMilter(pfMilter),
		"bench_down_milters="+milter.PostfixMilter(fmt.Sprintf("inet:127.0.0.1:%d", downPort)),
		"bench_null_milters="+milter.PostfixMilter(nullMilter)); err != nil {
		return err
	}
	extra := fmt.Sprintf("127.0.0.1:%d inet n - n - - smtpd\n  -o smtpd_milters=$bench_on_milters\n"+
		"127.0.0.1:%d inet n - n - - smtpd\n  -o smtpd_milters=$bench_down_milters\n"+
		"127.0.0.1:%d inet n - n - - smtpd\n  -o smtpd_milters=$bench_null_milters\n", ports["on"], ports["down"], ports["null"])
	if err := addServices(ctx, pf, extra, ports["on"], ports["down"], ports["null"]); err != nil {
		return err
	}
	nullPid := 0
	if o.null != "" {
		null := child(o.null, nullMilter)
		null.Stdout, null.Stderr = os.Stderr, os.Stderr
		if err := null.Start(); err != nil {
			return fmt.Errorf("nullmilter: %w", err)
		}
		defer stopChild(null, syscall.SIGTERM)
		nullPid = null.Process.Pid
	}

	// rblwatch: follows the log in every mode, serves the milter.
	metricsAddr := "127.0.0.1:" + strconv.Itoa(free[7])
	cfg := filepath.Join(work, "config.yaml")
	logPath := pf.LogPath()
	if !o.follow {
		logPath = filepath.Join(work, "empty.log")
		if err := os.WriteFile(logPath, nil, 0o600); err != nil {
			return err
		}
	}
	conf := fmt.Sprintf("log:\n  path: %s\nstate:\n  path: %s\ndnsbl:\n  interval: 0s\n  resolver: 127.0.0.1:53\n"+
		"metrics:\n  listen: %s\nmilter:\n  listen: %s\n",
		logPath, filepath.Join(work, "state.db"), metricsAddr, rwMilter)
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		return err
	}
	rw := child(o.bin, "run", "--config", cfg)
	rwLog, err := os.Create(filepath.Join(work, "rblwatch.log"))
	if err != nil {
		return err
	}
	defer rwLog.Close()
	rw.Stdout, rw.Stderr = rwLog, rwLog
	if err := rw.Start(); err != nil {
		return err
	}
	defer stopChild(rw, syscall.SIGTERM)
	if err := waitUntil(ctx, 30*time.Second, func() bool {
		return (o.unix || listening(milterPort)) && metric(metricsAddr, "rblwatch_milter_sessions_open") >= 0
	}); err != nil {
		b, _ := os.ReadFile(rwLog.Name())
		return fmt.Errorf("rblwatch did not start its milter and metrics: %w\n%s", err, b)
	}
	if o.unix {
		// rblwatch makes its socket 0660 for its own user and group
		// (docs/milter.md: a setgid directory of Postfix's group makes
		// that group postfix); here both are root's, and Postfix's smtpd
		// runs as postfix.
		if err := shareSocket(ctx, strings.TrimPrefix(rwMilter, "unix:")); err != nil {
			return err
		}
		if o.null != "" {
			if err := shareSocket(ctx, strings.TrimPrefix(nullMilter, "unix:")); err != nil {
				return err
			}
		}
	}

	fmt.Fprintf(out, "cpus: %d, postfix %s, %d messages of %d bytes per run, %d sessions (messages per connection: %s), %d rounds, rblwatch follows the log: %v\nsmtpd_milters = %s\n",
		nprocs(), pf.Version(), o.n, o.size, o.sessions, map[bool]string{false: "1", true: "all"}[o.reuse], o.rounds, o.follow, milter.PostfixMilter(pfMilter))
	log := &logCounter{path: pf.LogPath()}
	fmt.Fprintf(out, "rblwatch pid %d, nullmilter pid %d, smtp-sink pid %d, postfix instance %s, work directory %s\n",
		rw.Process.Pid, nullPid, sink.Process.Pid, pf.Dir(), work)
	b := &bench{ctx: ctx, o: o, pf: pf, log: log, ports: ports, rw: rw.Process.Pid, sink: sink.Process.Pid, null: nullPid, metrics: metricsAddr}
	if cg, err := newCgroup(pf.MasterPID()); err != nil {
		fmt.Fprintf(out, "Postfix's CPU from /proc in 10 ms ticks, not by daemon (no cgroup: %v)\n", err)
	} else {
		defer func() {
			// Postfix stopped first (Close stops it again, a no-op),
			// so that the cgroup is empty when it is removed.
			_ = pf.Stop()
			cg.remove()
		}()
		b.cg = cg
		fmt.Fprintf(out, "Postfix's CPU from cgroup %s (ns), by daemon from /proc/PID/schedstat\n", cg.dir)
	}
	// Warm up: every mode once, small.
	for _, m := range modes {
		if _, err := b.once(m, min(o.n, 200)); err != nil {
			return fmt.Errorf("warm-up %s: %w", m, err)
		}
	}
	results := map[string][]result{}
	for r := 0; r < o.rounds; r++ {
		for i := range modes {
			m := modes[(r+i)%len(modes)]
			res, err := b.once(m, o.n)
			if err != nil {
				return fmt.Errorf("round %d, %s: %w", r+1, m, err)
			}
			results[m] = append(results[m], res)
			fmt.Fprintf(out, "round %d %-4s  %7.1f msgs/s  inject %7.1f msgs/s  CPU µs/msg: rblwatch %6.1f nullmilter %5.1f postfix %7.1f%s smtp-source+sink %6.1f total %7.1f, machine busy %7.1f  idle %4.1f%%  rblwatch per msg: %.1f switches, %.1f KB allocated; %.1f GCs per 1000 msgs\n",
				r+1, m, res.rate, res.inject, res.cpuPerMsg, res.nullCPU, res.postfixCPU, byDaemon(res.postfixBy), res.loadCPU, res.totalCPU, res.busy, res.idle, res.switches, res.allocKB, res.gcs)
		}
	}
	report(out, modes, results)
	return nil
}

type result struct {
	rate, inject float64   // msgs/s end to end, and injection alone
	cpuPerMsg    float64   // rblwatch's CPU µs per message
	nullCPU      float64   // nullmilter's CPU µs per message
	switches     float64   // rblwatch's context switches per message
	allocKB      float64   // rblwatch's heap allocation per message, KB (go_memstats_alloc_bytes_total)
	gcs          float64   // rblwatch's garbage collections per 1000 messages (go_gc_duration_seconds_count)
	postfixCPU   float64   // Postfix's CPU µs per message (every process of the instance)
	postfixBy    []float64 // the same by daemon: postfixDaemons, other, exited (nil without a cgroup)
	totalCPU     float64   // every process of the benchmark: Postfix, rblwatch, null milter, smtp-source, smtp-sink
	busy         float64   // the machine's busy CPU µs per message, every process (others' work too)
	loadCPU      float64   // smtp-source's and smtp-sink's CPU µs per message
	idle         float64   // the machine's idle CPU share during the run, percent
}

type bench struct {
	ctx     context.Context // done on SIGINT or SIGTERM
	o       options
	pf      *pt.Instance
	log     *logCounter
	ports   map[string]int
	rw      int
	sink    int
	null    int // nullmilter's pid, 0 without
	metrics string
	cg      *cgroup // Postfix's processes; nil: groupCPU
}

// once sends n messages in mode m and waits until they are delivered.
func (b *bench) once(m string, n int) (result, error) {
	var res result
	if err := b.log.sync(); err != nil {
		return res, err
	}
	sent0 := b.log.sent
	marked0 := metric(b.metrics, "rblwatch_milter_messages_total")
	alloc0, gc0 := metric(b.metrics, "go_memstats_alloc_bytes_total"), metric(b.metrics, "go_gc_duration_seconds_count")
	cs0 := ctxSwitches(b.rw)
	cpu0 := threadsCPU(b.rw)
	null0 := threadsCPU(b.null)
	idle0, total0 := machineCPU()
	pf0 := b.postfixCPU()
	var procs0 procSnap
	if b.cg != nil {
		procs0 = snapProcs(b.cg.pids())
	}
	sink0 := threadsCPU(b.sink)
	start := time.Now()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Minute)
	defer cancel()
	args := []string{"-s", strconv.Itoa(b.o.sessions), "-m", strconv.Itoa(n),
		"-l", strconv.Itoa(b.o.size), "-M", "client.bench.test", "-f", "sender@bench.test", "-t", "rcpt@sink.bench.test",
		"-S", "milter bench " + m}
	if b.o.reuse {
		args = append(args, "-d")
	}
	src := exec.CommandContext(ctx, "smtp-source", append(args, fmt.Sprintf("127.0.0.1:%d", b.ports[m]))...)
	var stderr bytes.Buffer
	src.Stderr = &stderr
	if err := src.Run(); err != nil {
		if err := interrupted(b.ctx); err != nil {
			return res, err
		}
		return res, fmt.Errorf("smtp-source: %w: %s", err, stderr.String())
	}
	injected := time.Since(start)
	err := waitUntil(b.ctx, 5*time.Minute, func() bool { return b.log.sync() == nil && b.log.sent-sent0 >= n })
	elapsed := time.Since(start)
	if err != nil {
		return res, fmt.Errorf("%d of %d delivered: %w", b.log.sent-sent0, n, err)
	}
	cpu1 := threadsCPU(b.rw)
	null1 := threadsCPU(b.null)
	idle1, total1 := machineCPU()
	pf1 := b.postfixCPU()
	if b.cg != nil {
		for _, ns := range diffProcs(procs0, snapProcs(b.cg.pids()), pf1-pf0).split() {
			res.postfixBy = append(res.postfixBy, float64(ns)/1e3/float64(n))
		}
	}
	sink1 := threadsCPU(b.sink)
	srcCPU := src.ProcessState.UserTime() + src.ProcessState.SystemTime()
	res.postfixCPU = float64(pf1-pf0) / 1e3 / float64(n)
	res.loadCPU = (float64(sink1-sink0)/1e3 + float64(srcCPU.Microseconds())) / float64(n)
	res.rate = float64(n) / elapsed.Seconds()
	res.inject = float64(n) / injected.Seconds()
	res.cpuPerMsg = float64(cpu1-cpu0) / 1e3 / float64(n)
	res.nullCPU = float64(null1-null0) / 1e3 / float64(n)
	res.switches = float64(ctxSwitches(b.rw)-cs0) / float64(n)
	res.allocKB = (metric(b.metrics, "go_memstats_alloc_bytes_total") - alloc0) / 1024 / float64(n)
	res.gcs = (metric(b.metrics, "go_gc_duration_seconds_count") - gc0) * 1000 / float64(n)
	if total1 > total0 {
		res.idle = 100 * float64(idle1-idle0) / float64(total1-total0)
		res.busy = float64((total1-total0)-(idle1-idle0)) * 1e6 / clockTicks / float64(n)
	}
	res.totalCPU = res.postfixCPU + res.cpuPerMsg + res.nullCPU + res.loadCPU
	// The milter marked every message in "on" mode, none otherwise.
	var marked float64
	err = waitUntil(b.ctx, 30*time.Second, func() bool {
		marked = metric(b.metrics, "rblwatch_milter_messages_total") - marked0
		return m != "on" || marked >= float64(n)
	})
	if err := interrupted(b.ctx); err != nil {
		return res, err
	}
	if want := map[bool]float64{true: float64(n), false: 0}[m == "on"]; err != nil || marked != want {
		return res, fmt.Errorf("the milter marked %.0f messages, want %.0f", marked, want)
	}
	return res, nil
}

// logCounter counts "status=sent" lines of the Postfix log as it grows.
type logCounter struct {
	path    string
	off     int64
	partial []byte
	sent    int
}

func (c *logCounter) sync() error {
	f, err := os.Open(c.path)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Seek(c.off, io.SeekStart); err != nil {
		return err
	}
	r := bufio.NewReaderSize(f, 1<<16)
	for {
		line, err := r.ReadSlice('\n')
		c.off += int64(len(line))
		if err == bufio.ErrBufferFull {
			c.partial = append(c.partial, line...)
			continue
		}
		if err != nil {
			if len(line) > 0 { // not a whole line yet: read it again
				c.off -= int64(len(line))
			}
			c.partial = c.partial[:0]
			return nil
		}
		if len(c.partial) > 0 {
			line = append(c.partial, line...)
			c.partial = c.partial[:0]
		}
		if bytes.Contains(line, []byte(" status=sent ")) {
			c.sent++
		}
	}
}

const clockTicks = 100 // USER_HZ on Linux

// postfixCPU returns the CPU time of Postfix's processes so far, ns: from
// the cgroup, or else from /proc in 10 ms ticks.
func (b *bench) postfixCPU() int64 {
	if b.cg != nil {
		if ns, err := b.cg.usage(); err == nil {
			return ns
		}
	}
	return groupCPU(b.pf.MasterPID()) * 1e9 / clockTicks
}

// groupCPU returns the CPU time, in clock ticks, of every process in the
// process group of pid (Postfix's master and its daemons), with what the
// master's children that exited already used.
func groupCPU(pid int) int64 {
	var sum int64
	for p, f := range pgrpMembers(pid) {
		last := 12 // utime, stime
		if p == pid {
			last = 14 // and the master's exited children's: cutime, cstime
		}
		for _, v := range f[11 : last+1] {
			n, _ := strconv.ParseInt(v, 10, 64)
			sum += n
		}
	}
	return sum
}

// machineCPU returns the idle and total jiffies of all CPUs.
func machineCPU() (idle, total int64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	for i, f := range strings.Fields(string(line))[1:] {
		v, _ := strconv.ParseInt(f, 10, 64)
		total += v
		if i == 3 || i == 4 { // idle, iowait
			idle += v
		}
	}
	return idle, total
}

func nprocs() int {
	b, _ := os.ReadFile("/proc/cpuinfo")
	return bytes.Count(b, []byte("\nprocessor")) + bytes.Count(b[:min(len(b), 9)], []byte("processor"))
}

// metric reads one unlabelled metric from rblwatch's /metrics; -1 when it
// cannot.
func metric(addr, name string) float64 {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + addr + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err == nil {
				return f
			}
		}
	}
	return -1
}

func median(rs []result, f func(result) float64) float64 {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	return medianOf(v)
}

func medianOf(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	v = slices.Clone(v)
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// postconf sets main.cf parameters of the instance.
func postconf(pf *pt.Instance, settings ...string) error {
	args := append([]string{"-c", pf.ConfigDir(), "-e"}, settings...)
	if out, err := exec.Command("postconf", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("postconf: %w: %s", err, out)
	}
	return nil
}

// addServices appends lines to the instance's master.cf, reloads it and
// waits for the new ports to listen.
func addServices(ctx context.Context, pf *pt.Instance, lines string, ports ...int) error {
	f, err := os.OpenFile(filepath.Join(pf.ConfigDir(), "master.cf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(lines)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if out, err := exec.Command("postfix", "-c", pf.ConfigDir(), "reload").CombinedOutput(); err != nil {
		return fmt.Errorf("postfix reload: %w: %s", err, out)
	}
	return waitUntil(ctx, 30*time.Second, func() bool {
		for _, p := range ports {
			if !listening(p) {
				return false
			}
		}
		return true
	})
}

// shareSocket waits for a unix socket and lets every user connect to it.
func shareSocket(ctx context.Context, path string) error {
	if err := waitUntil(ctx, 30*time.Second, func() bool { _, err := os.Stat(path); return err == nil }); err != nil {
		return fmt.Errorf("socket %s: %w", path, err)
	}
	return os.Chmod(path, 0o666)
}

// listening reports whether something listens on 127.0.0.1:port, from
// /proc/net/tcp (a probe connection would show in Postfix's log and open a
// milter session).
func listening(port int) bool {
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return false
	}
	want := fmt.Sprintf("0100007F:%04X", port)
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 3 && f[1] == want && f[3] == "0A" {
			return true
		}
	}
	return false
}

// waitUntil polls cond until it holds, d passes (an error) or ctx is done
// (errInterrupted).
func waitUntil(ctx context.Context, d time.Duration, cond func() bool) error {
	deadline := time.Now().Add(d)
	for !cond() {
		if err := interrupted(ctx); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %v", d)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}
