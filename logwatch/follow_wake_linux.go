//go:build linux

package logwatch

import "syscall"

// inotifyUsable reports whether an inotify instance can be created. The
// inotify tracker of nxadm/tail calls os.Exit when it cannot create its
// watcher (fs.inotify.max_user_instances exhausted), so the follower asks
// first and polls instead.
func inotifyUsable() bool {
	fd, err := syscall.InotifyInit1(syscall.IN_CLOEXEC)
	if err != nil {
		return false
	}
	syscall.Close(fd)
	return true
}
