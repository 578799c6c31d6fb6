// Package bounded reads files that a configuration names (the
// configuration itself, a catalog, a password file) within a size limit,
// so that a hostile or mistaken path — /dev/zero, a log file — gets a short
// error instead of a read of gigabytes.
package bounded

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"strconv"
	"syscall"
)

// TooLargeError is a file over its limit.
type TooLargeError struct {
	Path string
	Max  int64
}

func (e *TooLargeError) Error() string {
	return e.Path + " is larger than " + Size(e.Max)
}

// ReadFile reads the file at path if it holds at most max bytes. A regular
// file larger than that is refused from its size, before reading; anything
// else (a pipe, a device such as /dev/zero) is read up to max+1 bytes and
// refused if there are more. A refusal is a *TooLargeError.
//
// A named pipe is opened without waiting for a writer: one that nobody
// writes to is an error at once. (The open used to wait, and nothing ended
// it: the commands' signals only cancel their work.)
func ReadFile(path string, max int64) ([]byte, error) {
	flag := os.O_RDONLY
	if fi, err := os.Stat(path); err == nil && fi.Mode()&fs.ModeNamedPipe != 0 {
		flag |= syscall.O_NONBLOCK
	}
	f, err := os.OpenFile(path, flag, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Mode().IsRegular() && fi.Size() > max {
		return nil, &TooLargeError{Path: path, Max: max}
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if pe := (*fs.PathError)(nil); err != nil && !errors.As(err, &pe) {
		err = &os.PathError{Op: "read", Path: path, Err: err}
	}
	if err != nil {
		return nil, err // a PathError of f's naming the path already
	}
	if int64(len(data)) > max {
		return nil, &TooLargeError{Path: path, Max: max}
	}
	if len(data) == 0 && fi.Mode()&fs.ModeNamedPipe != 0 {
		return nil, &os.PathError{Op: "read", Path: path, Err: errors.New("a named pipe that nobody writes to")}
	}
	return data, nil
}

// Size writes a byte count as people do, in the largest binary unit that
// divides it: 1 MiB, 4 KiB, 100 bytes.
func Size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
