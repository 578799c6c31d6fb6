package logwatch

import (
	"github.com/nxadm/tail/watch"
	"gopkg.in/tomb.v1"
)

// wakeup tells the follower, through nxadm/tail's inotify watcher, that the
// followed file changed (written, truncated, renamed or removed), so that it
// reads at once instead of at the next CheckInterval tick. It is only a
// doorbell: the follower decides what happened by looking at the files, and
// its ticker keeps it working when the doorbell fails. See follow.go for why
// nxadm/tail does not read the lines itself.
type wakeup struct {
	t *tomb.Tomb
	c *watch.FileChanges
}

// newWakeup watches path; it returns nil when it cannot (no inotify, or the
// file is gone), and the follower then polls.
func newWakeup(path string, off int64) *wakeup {
	if !inotifyUsable() {
		return nil
	}
	t := new(tomb.Tomb)
	c, err := watch.NewInotifyFileWatcher(path).ChangeEvents(t, off)
	if err != nil {
		t.Kill(nil)
		return nil
	}
	return &wakeup{t: t, c: c}
}

// channels returns the three notification channels, nil ones when w is nil
// (a receive from them blocks forever, which a select ignores).
func (w *wakeup) channels() (modified, truncated, deleted <-chan bool) {
	if w == nil {
		return nil, nil, nil
	}
	return w.c.Modified, w.c.Truncated, w.c.Deleted
}

func (w *wakeup) stop() {
	if w != nil {
		w.t.Kill(nil)
	}
}
