//go:build unix

package logwatch

import (
	"os"
	"syscall"
)

// fileID returns the device and inode numbers of a file.
func fileID(fi os.FileInfo) (dev, ino uint64) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Dev), uint64(st.Ino) // the field types differ between platforms
	}
	return 0, 0
}
