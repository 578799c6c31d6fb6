package logwatch

import (
	"sync/atomic"
	"time"

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

// watchFunc starts nxadm/tail's watcher on path (changeEvents; a test puts
// a stand-in in FollowOptions.watch).
type watchFunc func(t *tomb.Tomb, path string, off int64) (*watch.FileChanges, error)

func changeEvents(t *tomb.Tomb, path string, off int64) (*watch.FileChanges, error) {
	return watch.NewInotifyFileWatcher(path).ChangeEvents(t, off)
}

// wakeupWait bounds the start of a watcher. nxadm/tail keeps one inotify
// tracker for the process, and it deadlocks for good when fsnotify reports
// an error while the tracker removes a watch (fsnotify waits for the error
// to be read, the tracker for fsnotify's lock): a rotation is enough — the
// renamed file's IN_MOVE_SELF makes fsnotify drop the watch itself, racing
// the tracker's own removal (seen in this package's rotation tests). Every later watcher start would
// then wait forever, and the follower with it — at the next rotation the
// daemon would stop reading the log. So a start that does not return in
// time is abandoned (its goroutine stays blocked), and no watcher is started
// again in this process: the followers poll.
const wakeupWait = 5 * time.Second

// inotifyStuck is set once a watcher start was abandoned: the tracker is
// shared by the whole process, so this is process state too.
var inotifyStuck atomic.Bool

// newWakeup watches path; it returns nil when it cannot (no inotify, the
// file is gone, nxadm/tail's tracker is stuck), and the follower then
// polls.
func newWakeup(path string, off int64, start watchFunc, log func(string)) *wakeup {
	if inotifyStuck.Load() || !inotifyUsable() {
		return nil
	}
	if start == nil {
		start = changeEvents
	}
	type result struct {
		c   *watch.FileChanges
		err error
	}
	t := new(tomb.Tomb)
	done := make(chan result, 1)
	go func() {
		c, err := start(t, path, off)
		done <- result{c, err}
	}()
	timer := time.NewTimer(wakeupWait)
	defer timer.Stop()
	select {
	case r := <-done:
		if r.err != nil {
			t.Kill(nil)
			return nil
		}
		return &wakeup{t: t, c: r.c}
	case <-timer.C:
		inotifyStuck.Store(true)
		t.Kill(nil)
		log("the inotify watcher does not start (nxadm/tail's tracker is stuck): polling from now on")
		return nil
	}
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
