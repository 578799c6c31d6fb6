package logwatch

import "os"

// FileState is what identifies a log file and how far it reaches, as a
// Position records them.
type FileState struct {
	Dev, Inode uint64 // zero where the platform does not tell
	Size       int64
}

// Stat returns the FileState of path (following symbolic links).
func Stat(path string) (FileState, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return FileState{}, err
	}
	dev, ino := fileID(fi)
	return FileState{Dev: dev, Inode: ino, Size: fi.Size()}, nil
}
