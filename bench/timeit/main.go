// Command timeit runs a command and writes, to the file given by -o, one
// line: its wall time and CPU time (user, system) in seconds to the
// microsecond, and its peak RSS in KiB, as GNU time's -f '%e %U %S %M'
// does to the hundredth of a second. bench/replay.sh times with it: a
// 0.06 s grep measured to 10 ms moved its ratios by up to a sixth.
//
//	timeit -o FILE command [args...]
//
// The command's standard streams are timeit's; its exit status is
// timeit's (1 when it was killed by a signal, 127 when it could not be
// started).
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

func main() {
	out := flag.String("o", "", "file to write `wall user sys maxrss` to")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: timeit -o FILE command [args...]")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *out == "" || flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	os.Exit(run(*out, flag.Args()))
}

func run(out string, args []string) int {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		fmt.Fprintln(os.Stderr, "timeit:", err)
		return 127
	}
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if ru == nil {
		fmt.Fprintln(os.Stderr, "timeit: no resource usage for", args[0])
		return 1
	}
	line := fmt.Sprintf("%.6f %.6f %.6f %d\n", wall.Seconds(), tv(ru.Utime), tv(ru.Stime), ru.Maxrss)
	if err := os.WriteFile(out, []byte(line), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "timeit:", err)
		return 1
	}
	if code := cmd.ProcessState.ExitCode(); code >= 0 {
		return code
	}
	return 1
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
