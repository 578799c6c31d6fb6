//go:build !linux

package logwatch

// inotifyUsable: elsewhere nxadm/tail's watcher uses kqueue or
// ReadDirectoryChangesW through fsnotify; the follower's polling is enough.
func inotifyUsable() bool { return false }
