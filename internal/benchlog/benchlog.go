// Package benchlog gives the benchmarks that read a real log the one named
// by $RBLWATCH_BENCH_LOG (for example one made by `go run ./bench/genlog -n
// 1000000 -o /tmp/big.log`), and skips them when it is not set.
package benchlog

import (
	"os"
	"testing"
)

// Env is the variable that names the log.
const Env = "RBLWATCH_BENCH_LOG"

// Path returns the log's name, skipping b when none is set.
func Path(b testing.TB) string {
	b.Helper()
	p := os.Getenv(Env)
	if p == "" {
		b.Skip("set " + Env + " to a Postfix log (see bench/genlog)")
	}
	return p
}

// Read returns the log's contents (Path).
func Read(b testing.TB) []byte {
	b.Helper()
	data, err := os.ReadFile(Path(b))
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// Open opens the log (Path), closed when b ends.
func Open(b testing.TB) *os.File {
	b.Helper()
	f, err := os.Open(Path(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	return f
}
