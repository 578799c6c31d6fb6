//go:build !unix

package logwatch

import "os"

// fileID returns zeros where there are no inode numbers: files are then
// recognised by their content (Position.Fingerprint) alone.
func fileID(fi os.FileInfo) (dev, ino uint64) { return 0, 0 }
