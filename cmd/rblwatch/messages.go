package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/rblwatch/rblwatch/config"
	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/postfixlog"
	"github.com/rblwatch/rblwatch/report"
	"github.com/rblwatch/rblwatch/track"
)

// messageStates are the states --state accepts.
func messageStates() []string {
	var out []string
	for _, s := range []track.MessageState{track.StateQueued, track.StateDeferred, track.StateDelivered, track.StateBounced,
		track.StateExpired, track.StatePartly, track.StateRemoved, track.StateRejected} {
		out = append(out, string(s))
	}
	return out
}

// queueIDArg is a queue id as typed: a short one (Postfix writes it in
// upper-case hex) typed in lower case is upper-cased; a long one
// (enable_long_queue_ids) stays as it is, its letters of either case being
// different digits.
func queueIDArg(s string) string {
	if up := strings.ToUpper(s); !postfixlog.ValidQueueID(s) && postfixlog.ValidQueueID(up) && strings.Trim(up, "0123456789ABCDEF") == "" {
		return up
	}
	return s
}

// runMessages lists the messages the daemon tracks and their fate, from the
// state database opened read-only (safe while the daemon runs).
func runMessages(ctx context.Context, e *env, args []string) error {
	flags := newFlags(e, "messages")
	states := strings.Join(messageStates(), ", ")
	cfgPath := flags.String("config", config.DefaultPath, "configuration file: its state.path is read (absent at the default path: the default state)")
	deferred := flags.Bool("deferred", false, "only messages still queued with a deferred recipient")
	state := flags.String("state", "", "only messages in this state: "+states)
	qid := flags.String("queue-id", "", "only the message that had this queue id (every use of it; a short one in any case)")
	inc := flags.String("incident", "", "only the messages an incident refused, with who sent them (its id, as notices and replay name it)")
	sender := flags.String("sender", "", "only messages with this envelope sender (<> for the null sender: bounces)")
	login := flags.String("sasl", "", "only messages submitted with this SASL login (in any case)")
	domain := flags.String("domain", "", "only messages with a recipient in this domain")
	since := flags.String("since", "", "only messages seen since T (2026-11-23, 2026-11-23T14:00, RFC 3339, or a duration like 24h)")
	until := flags.String("until", "", "only messages first seen before T (same forms as --since)")
	asJSON := flags.Bool("json", false, "print one JSON object per message")
	limit := flags.Int("limit", 0, "at most the N most recent messages (0: all)")
	if err := parseFlags(flags, args); err != nil {
		return err
	}
	f := track.TrailFilter{Deferred: *deferred, State: track.MessageState(*state), QueueID: queueIDArg(*qid), Incident: *inc,
		Sender: strings.Trim(*sender, "<>"), NullSender: *sender == "<>", Login: *login, Domain: strings.ToLower(*domain), Limit: *limit}
	switch {
	case flags.NArg() > 0:
		return usageError{fmt.Sprintf("messages: unexpected argument %q", flags.Arg(0))}
	case *state != "" && !slices.Contains(messageStates(), *state):
		return usageError{fmt.Sprintf("messages: unknown state %q (want %s)", *state, states)}
	case *limit < 0:
		return usageError{"messages: --limit must not be negative"}
	}
	now := time.Now()
	var err error
	if f.Since, err = parseWhen(*since, now, time.Local); err != nil {
		return usageError{"messages: --since: " + err.Error()}
	}
	if f.Until, err = parseWhen(*until, now, time.Local); err != nil {
		return usageError{"messages: --until: " + err.Error()}
	}
	if err := checkWindow("messages", *since, *until, f.Since, f.Until); err != nil {
		return err
	}
	cfg, err := loadConfig("messages", *cfgPath)
	if err != nil {
		return err
	}
	st, err := track.OpenReadOnly(cfg.State.Path, e.log)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("messages: %w (has the daemon run? state.path in %s says where it keeps its state)", err, *cfgPath)
	} else if err != nil {
		return fmt.Errorf("messages: %w", err)
	}
	defer st.Close()
	var total int // the incident's messages, those beyond its list too
	var note string
	if *inc != "" {
		// A mistyped id must not read as "no message was refused".
		stored, ok, err := st.Incident(ctx, *inc)
		if err != nil {
			return fmt.Errorf("messages: %w", err)
		} else if !ok {
			return usageError{fmt.Sprintf("messages: no incident %q (see rblwatch incidents)", *inc)}
		}
		total = len(stored.Messages) + stored.MoreMessages
		if stored.MoreMessages > 0 {
			note = fmt.Sprintf("the state database lists an incident's first %d", incident.MaxMessages)
		}
	}
	trails, err := st.Trails(ctx, f)
	if err != nil {
		return err
	}
	if *asJSON {
		return report.WriteMessagesJSON(e.stdout, trails)
	}
	if *inc != "" && len(trails) > 0 {
		if err := report.WriteWho(e.stdout, "incident "+*inc+", who sent the refused mail", report.TrailsWho(trails, 10), total, note); err != nil {
			return err
		}
	}
	return report.WriteMessagesText(e.stdout, trails, time.Local)
}
