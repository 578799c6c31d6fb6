package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rblwatch/rblwatch/internal/testproc"
)

// synthetic measures rblwatch's milter alone: no Postfix, a client that
// speaks to it as Postfix 3.7 does with the negotiated protocol (one
// connection per message: the negotiation; the envelope written at once,
// as smtpd flushes it when it hands the milter to cleanup; the headers and
// the end of the message written at once, as cleanup does; QUIT), sessions
// in parallel, with a pause between the phases so that each is a separate
// wake-up of the milter, as with a real Postfix. It reports rblwatch's CPU
// time and context switches per message (/proc), which do not depend on
// how fast the client goes.
func synthetic(ctx context.Context, o options, out io.Writer) error {
	work, err := os.MkdirTemp("", "rblwatch-milterbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	logPath := filepath.Join(work, "empty.log")
	if err := os.WriteFile(logPath, nil, 0o600); err != nil {
		return err
	}
	free, err := testproc.FreePorts("127.0.0.1", 1)
	if err != nil {
		return err
	}
	network, addr := "tcp", "127.0.0.1:"+strconv.Itoa(free[0])
	listen := "inet:" + addr
	if o.unix {
		network, addr = "unix", filepath.Join(work, "milter.sock")
		listen = "unix:" + addr
	}
	cfg := filepath.Join(work, "config.yaml")
	conf := fmt.Sprintf("log:\n  path: %s\nstate:\n  path: %s\ndnsbl:\n  interval: 0s\n  resolver: 127.0.0.1:53\nmilter:\n  listen: %s\n",
		logPath, filepath.Join(work, "state.db"), listen)
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		return err
	}
	rw := child(o.bin, "run", "--config", cfg)
	server := "rblwatch"
	if o.null != "" {
		rw, server = child(o.null, listen), "nullmilter"
	}
	rw.Stdout, rw.Stderr = io.Discard, io.Discard
	if err := rw.Start(); err != nil {
		return err
	}
	defer stopChild(rw, syscall.SIGTERM)
	if err := waitUntil(ctx, 30*time.Second, func() bool {
		c, err := net.Dial(network, addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	}); err != nil {
		return fmt.Errorf("rblwatch's milter did not start: %w", err)
	}
	fmt.Fprintf(out, "synthetic Postfix-like client, %s's %s milter (pid %d), %d sessions in parallel, %d messages per run, pause %v between phases\n",
		server, network, rw.Process.Pid, o.sessions, o.n, o.pause)
	var cpus, switches []float64
	for r := 0; r < o.rounds; r++ {
		cpu0 := threadsCPU(rw.Process.Pid)
		cs0 := ctxSwitches(rw.Process.Pid)
		start := time.Now()
		if err := drive(ctx, network, addr, o.n, o.sessions, o.pause); err != nil {
			return err
		}
		elapsed := time.Since(start)
		time.Sleep(500 * time.Millisecond) // the store writer's last batch
		cpu1 := threadsCPU(rw.Process.Pid)
		cs1 := ctxSwitches(rw.Process.Pid)
		cpu := float64(cpu1-cpu0) / 1e3 / float64(o.n)
		cs := float64(cs1-cs0) / float64(o.n)
		cpus, switches = append(cpus, cpu), append(switches, cs)
		fmt.Fprintf(out, "round %d  %7.1f msgs/s  %s %6.1f µs CPU/msg  %5.1f context switches/msg\n",
			r+1, float64(o.n)/elapsed.Seconds(), server, cpu, cs)
	}
	fmt.Fprintf(out, "median: %s %.1f µs CPU/msg, %.1f context switches/msg\n", server, medianOf(cpus), medianOf(switches))
	return nil
}

// drive sends n messages over sessions parallel connections; it stops
// early, with errInterrupted, when ctx is done.
func drive(ctx context.Context, network, addr string, n, sessions int, pause time.Duration) error {
	optneg := packet('O', string(binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, 6), 0x1ff), 0x1fffff)))
	var envelope, content []byte
	envelope = append(envelope, packet('D', "C", "j\x00mx.bench.test\x00{daemon_name}\x00mx.bench.test\x00v\x00Postfix 3.7.11\x00")...)
	envelope = append(envelope, packet('C', "client.bench.test\x00", "4", "\x11\xd7", "127.0.0.1\x00")...)
	envelope = append(envelope, packet('H', "client.bench.test\x00")...)
	envelope = append(envelope, packet('D', "M", "{auth_authen}\x00alice@bench.test\x00{auth_type}\x00PLAIN\x00")...)
	envelope = append(envelope, packet('M', "<alice@bench.test>\x00", "SIZE=2048\x00")...)
	envelope = append(envelope, packet('R', "<rcpt@sink.bench.test>\x00")...)
	for _, h := range [][2]string{{"Received", "from client.bench.test (localhost [127.0.0.1]) by mx.bench.test (Postfix) with ESMTP id E3E1498613E"},
		{"From", "<alice@bench.test>"}, {"To", "<rcpt@sink.bench.test>"}, {"Subject", "milter bench"},
		{"Message-Id", "<20261123153739.E3E1498613E@mx.bench.test>"}, {"Date", "Mon, 23 Nov 2026 15:37:39 +0000"}} {
		content = append(content, packet('L', h[0]+"\x00", " "+h[1]+"\x00")...)
	}
	content = append(content, packet('D', "E", "i\x00E3E1498613E\x00")...)
	content = append(content, packet('E')...)
	// Postfix's smtpd ends the session with two aborts (one per
	// transaction state it resets) and QUIT, written at once.
	quit := append(append(packet('A'), packet('A')...), packet('Q')...)

	jobs := make(chan struct{}, n)
	for range n {
		jobs <- struct{}{}
	}
	close(jobs)
	var wg sync.WaitGroup
	errs := make(chan error, sessions)
	for range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				if ctx.Err() != nil {
					return
				}
				if err := session(network, addr, optneg, envelope, content, quit, pause); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := interrupted(ctx); err != nil {
		return err
	}
	return <-errs
}

func session(network, addr string, optneg, envelope, content, quit []byte, pause time.Duration) error {
	c, err := net.Dial(network, addr)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(c)
	if _, err := c.Write(optneg); err != nil {
		return err
	}
	if code, err := readCode(r); err != nil || code != 'O' {
		return fmt.Errorf("negotiation: %q %v", code, err)
	}
	time.Sleep(pause)
	if _, err := c.Write(envelope); err != nil {
		return err
	}
	time.Sleep(pause)
	if _, err := c.Write(content); err != nil {
		return err
	}
	for _, want := range []byte{'h', 'c'} {
		if code, err := readCode(r); err != nil || code != want {
			return fmt.Errorf("end of message: %q %v, want %q", code, err, want)
		}
	}
	time.Sleep(pause)
	_, err = c.Write(quit)
	return err
}

func packet(code byte, data ...string) []byte {
	body := []byte{code}
	for _, d := range data {
		body = append(body, d...)
	}
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(body))), body...)
}

func readCode(r *bufio.Reader) (byte, error) {
	var n uint32
	if err := binary.Read(r, binary.BigEndian, &n); err != nil {
		return 0, err
	}
	if n == 0 || n > 1<<20 {
		return 0, errors.New("bad packet length")
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return 0, err
	}
	return b[0], nil
}

// threadsCPU sums the CPU time of every thread of the process, in
// nanoseconds (/proc/PID/task/*/schedstat: finer than the clock ticks of
// /proc/PID/stat).
func threadsCPU(pid int) int64 {
	dirs, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	var sum int64
	for _, d := range dirs {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/schedstat", pid, d.Name()))
		if err != nil {
			continue
		}
		f := strings.Fields(string(b))
		if len(f) > 0 {
			n, _ := strconv.ParseInt(f[0], 10, 64)
			sum += n
		}
	}
	return sum
}

// ctxSwitches sums the voluntary and involuntary context switches of every
// thread of the process.
func ctxSwitches(pid int) int64 {
	dirs, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	var sum int64
	for _, d := range dirs {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/status", pid, d.Name()))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "voluntary_ctxt_switches:"); ok {
				n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
				sum += n
			} else if v, ok := strings.CutPrefix(line, "nonvoluntary_ctxt_switches:"); ok {
				n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
				sum += n
			}
		}
	}
	return sum
}
