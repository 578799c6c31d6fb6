package daemon

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	gomilter "github.com/emersion/go-milter"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap/zaptest"

	"github.com/rblwatch/rblwatch/config"
	"github.com/rblwatch/rblwatch/milter"
	"github.com/rblwatch/rblwatch/postfixlog"
	"github.com/rblwatch/rblwatch/track"
)

// milterSend submits one message over a milter connection as Postfix's
// smtpd does (queue id at the end of the headers) and returns the value of
// the header the milter added.
func milterSend(t *testing.T, network, addr, qid string) string {
	t.Helper()
	c := gomilter.NewClientWithOptions(network, addr, gomilter.ClientOptions{ReadTimeout: 20 * time.Second, WriteTimeout: 20 * time.Second,
		ActionMask: gomilter.OptAddHeader | gomilter.OptChangeHeader, ProtocolMask: gomilter.OptNoBody})
	s, err := c.Session()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	steps := []func() (*gomilter.Action, error){
		func() (*gomilter.Action, error) {
			return s.Conn("client.example.test", gomilter.FamilyInet, 4567, "192.0.2.7")
		},
		func() (*gomilter.Action, error) { return s.Helo("vm") },
		func() (*gomilter.Action, error) {
			if err := s.Macros(gomilter.CodeMail, "{auth_authen}", "alice", "{auth_type}", "PLAIN"); err != nil {
				return nil, err
			}
			return s.Mail("alice@bench.test", nil)
		},
		func() (*gomilter.Action, error) { return s.Rcpt("ok@remote.test", nil) },
		func() (*gomilter.Action, error) { return s.HeaderField("Message-ID", "<m1@vm>") },
		func() (*gomilter.Action, error) {
			if err := s.Macros(gomilter.CodeEOH, "i", qid); err != nil {
				return nil, err
			}
			return s.HeaderEnd()
		},
	}
	for i, step := range steps {
		if act, err := step(); err != nil || act.Code != gomilter.ActContinue {
			t.Fatalf("step %d: %v %v", i, act, err)
		}
	}
	mods, act, err := s.End()
	if err != nil || act.Code != gomilter.ActContinue || len(mods) != 1 || mods[0].Code != gomilter.ActAddHeader {
		t.Fatalf("end: %+v %v %v", mods, act, err)
	}
	return mods[0].HeaderValue
}

func TestMilterStoresFacts(t *testing.T) {
	for _, tc := range []struct{ name, listen string }{
		{"inet", "inet:127.0.0.1:0"},
		{"unix", "unix:" + filepath.Join(t.TempDir(), "spool", "milter.sock")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store, err := track.Open(filepath.Join(t.TempDir(), "state.db"), zaptest.NewLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			reg := prometheus.NewRegistry()
			cfg := config.Default().Milter
			cfg.Listen = tc.listen
			addr, stop, err := startMilter(cfg, store, reg, zaptest.NewLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			if tc.name == "unix" {
				fi, err := os.Stat(addr.String())
				if err != nil || fi.Mode().Perm() != milter.DefaultSocketMode {
					t.Errorf("socket: %v %v", fi, err)
				}
			}
			const qid = "E3E1498613E"
			value := milterSend(t, addr.Network(), addr.String(), qid)
			if !strings.HasPrefix(value, qid+"-") || len(value) != len(qid)+9 {
				t.Errorf("header value %q", value)
			}
			stop() // writes what is queued
			if tc.name == "unix" {
				if _, err := os.Lstat(addr.String()); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("socket left after stop: %v", err)
				}
			}
			for name, want := range map[string]float64{"rblwatch_milter_facts_stored_total": 1, "rblwatch_milter_messages_total": 1,
				"rblwatch_milter_sessions_total": 1, "rblwatch_milter_sessions_open": 0, "rblwatch_milter_facts_dropped_total": 0} {
				if n := metricValue(t, reg, name); n != want {
					t.Errorf("%s = %v, want %v", name, n, want)
				}
			}
			// The log line that starts the message joins the facts.
			err = store.Tx(context.Background(), func(tx *track.Tx) error {
				return tx.ApplyRecord(&postfixlog.Record{Time: time.Now(), Program: "postfix/smtpd", Service: "smtpd", QueueID: qid,
					Kind: postfixlog.KindClient, Client: "client.example.test[192.0.2.7]", ClientIP: "192.0.2.7"})
			})
			if err != nil {
				t.Fatal(err)
			}
			rows, err := store.Messages(context.Background(), track.MessageFilter{QueueID: qid})
			if err != nil || len(rows) != 1 || rows[0].Milter == nil {
				t.Fatalf("messages %+v %v", rows, err)
			}
			if f := rows[0].Milter; f.TrackID != value || f.AuthUser != "alice" || f.Sender != "alice@bench.test" || f.ClientAddr != "192.0.2.7" || f.MessageID != "m1@vm" {
				t.Errorf("facts %+v", f)
			}
		})
	}
}

// metricValue returns the value of a registered counter or gauge.
func metricValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			m := mf.GetMetric()[0]
			return m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

func TestMilterRefusesRemoteAndBadListen(t *testing.T) {
	store, err := track.Open(filepath.Join(t.TempDir(), "state.db"), zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for _, listen := range []string{"inet:0.0.0.0:0", "127.0.0.1:8899", "unix:relative.sock"} {
		cfg := config.Default().Milter
		cfg.Listen = listen
		if _, stop, err := startMilter(cfg, store, nil, zaptest.NewLogger(t)); err == nil {
			stop()
			t.Errorf("%s: started", listen)
		}
	}
}

// TestMilterWriterDropsWhenFull: the sink never blocks the mail path.
func TestMilterWriterDropsWhenFull(t *testing.T) {
	reg := prometheus.NewRegistry()
	w := newMilterWriter(nil, reg, zaptest.NewLogger(t), 1)
	w.Message(milter.Message{QueueID: "E3E1498613E"})
	w.Message(milter.Message{QueueID: "E3E1498613F"})
	w.Message(milter.Message{QueueID: "E3E14986140"})
	if n := testutil.ToFloat64(w.dropped); n != 2 {
		t.Errorf("dropped %v, want 2", n)
	}
	if len(w.queue) != 1 {
		t.Errorf("queued %d", len(w.queue))
	}
}

// TestMilterWriterBatches: the writer sleeps through a burst and writes it
// in a few transactions (not one per message, and not before milterEvery
// has passed); close writes what is still queued at once.
func TestMilterWriterBatches(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newMilterWriter(nil, nil, zaptest.NewLogger(t), 2000)
		// The writer's goroutine appends, the test reads: synctest.Wait
		// orders them in time but is no synchronisation the race detector
		// knows, so the list is behind a mutex.
		var mu sync.Mutex
		var written []int
		w.flush = func(b []milter.Message) {
			mu.Lock()
			written = append(written, len(b))
			mu.Unlock()
		}
		batchList := func() []int {
			mu.Lock()
			defer mu.Unlock()
			return slices.Clone(written)
		}
		go w.run()
		msg := func(i int) milter.Message { return milter.Message{QueueID: fmt.Sprintf("E3E14986%03X", i)} }
		for i := range 1200 {
			w.Message(msg(i))
		}
		synctest.Wait()
		if b := batchList(); len(b) != 0 {
			t.Fatalf("written before %v: %v", milterEvery, b)
		}
		time.Sleep(milterEvery)
		synctest.Wait()
		if b, want := batchList(), []int{milterBatch, milterBatch, 1200 - 2*milterBatch}; !slices.Equal(b, want) {
			t.Fatalf("batches %v, want %v", b, want)
		}
		// A lone message: written one interval later.
		w.Message(msg(0))
		time.Sleep(milterEvery - time.Millisecond)
		synctest.Wait()
		if b := batchList(); len(b) != 3 {
			t.Fatalf("the lone message was written early: %v", b)
		}
		time.Sleep(time.Millisecond)
		synctest.Wait()
		if b := batchList(); len(b) != 4 || b[3] != 1 {
			t.Fatalf("batches %v, want the lone message written", b)
		}
		// Close while asleep with messages queued: written at once.
		for i := range 3 {
			w.Message(msg(i))
		}
		synctest.Wait()
		w.close()
		if b := batchList(); len(b) != 5 || b[4] != 3 {
			t.Fatalf("after close: batches %v, want the last 3 written", b)
		}
	})
}
