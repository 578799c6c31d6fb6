package track

import (
	"context"
	"database/sql"
	"fmt"

	"go.uber.org/zap"
)

// migrations brings the schema from version i to i+1 (PRAGMA user_version).
// Append only: never edit a migration that has been released. Each runs in
// its own transaction together with the user_version update. Foreign keys
// are on for the connection, so a migration that rebuilds a table must keep
// its referencing rows valid. docs/store.md documents the resulting tables:
// keep it in step.
var migrations = []string{
	// 1: the first schema.
	`
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) STRICT;

CREATE TABLE positions (
	source      TEXT PRIMARY KEY,
	path        TEXT NOT NULL DEFAULT '',
	dev         INTEGER NOT NULL DEFAULT 0,
	inode       INTEGER NOT NULL DEFAULT 0,
	byte_offset INTEGER NOT NULL DEFAULT 0,
	fingerprint TEXT NOT NULL DEFAULT '',
	cursor      TEXT NOT NULL DEFAULT '',
	updated_at  TEXT NOT NULL
) STRICT;

CREATE TABLE incidents (
	id              TEXT PRIMARY KEY,
	provider        TEXT NOT NULL,
	listed          TEXT NOT NULL,
	status          TEXT NOT NULL,
	category        TEXT NOT NULL DEFAULT '',
	first_seen      TEXT,
	last_seen       TEXT,
	cleared_at      TEXT,
	cleared_by      TEXT NOT NULL DEFAULT '',
	notified        TEXT,
	notices         INTEGER NOT NULL DEFAULT 0,
	bounced         INTEGER NOT NULL DEFAULT 0,
	deferred        INTEGER NOT NULL DEFAULT 0,
	message_count   INTEGER NOT NULL DEFAULT 0,
	recipient_count INTEGER NOT NULL DEFAULT 0,
	json            TEXT NOT NULL
) STRICT;
CREATE INDEX incidents_status ON incidents(status);
CREATE INDEX incidents_key ON incidents(provider, listed);

CREATE TABLE incident_messages (
	incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
	seq         INTEGER NOT NULL,
	queue_id    TEXT NOT NULL,
	sender      TEXT NOT NULL,
	message_id  TEXT NOT NULL,
	fate        TEXT NOT NULL,
	recipients  TEXT NOT NULL DEFAULT '[]',
	first_seen  TEXT,
	last_seen   TEXT,
	PRIMARY KEY (incident_id, seq)
) STRICT;
CREATE INDEX incident_messages_queue_id ON incident_messages(queue_id);

CREATE TABLE incident_recipients (
	incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
	seq         INTEGER NOT NULL,
	recipient   TEXT NOT NULL,
	domain      TEXT NOT NULL,
	PRIMARY KEY (incident_id, seq)
) STRICT;
CREATE INDEX incident_recipients_domain ON incident_recipients(domain);

CREATE TABLE messages (
	id              INTEGER PRIMARY KEY,
	queue_id        TEXT NOT NULL,
	sender          TEXT,
	message_id      TEXT NOT NULL DEFAULT '',
	origin          TEXT NOT NULL DEFAULT '',
	client          TEXT NOT NULL DEFAULT '',
	client_ip       TEXT NOT NULL DEFAULT '',
	sasl_user       TEXT NOT NULL DEFAULT '',
	size            INTEGER NOT NULL DEFAULT 0,
	nrcpt           INTEGER NOT NULL DEFAULT 0,
	state           TEXT NOT NULL DEFAULT 'queued',
	first_seen      TEXT,
	last_seen       TEXT,
	expired_at      TEXT,
	rejected_at     TEXT,
	removed_at      TEXT,
	notice_queue_id TEXT NOT NULL DEFAULT '',
	notice          TEXT NOT NULL DEFAULT ''
) STRICT;
-- At most one live (not removed) message per queue id: Postfix reuses
-- queue ids over time, never at the same time.
CREATE UNIQUE INDEX messages_live_queue_id ON messages(queue_id) WHERE removed_at IS NULL;
CREATE INDEX messages_queue_id ON messages(queue_id, id);
CREATE INDEX messages_state ON messages(state);
CREATE INDEX messages_first_seen ON messages(first_seen);
CREATE INDEX messages_last_seen ON messages(last_seen);
CREATE INDEX messages_removed_at ON messages(removed_at);
CREATE INDEX messages_message_id ON messages(message_id);

CREATE TABLE recipients (
	id         INTEGER PRIMARY KEY,
	message    INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
	address    TEXT NOT NULL,
	orig_to    TEXT NOT NULL DEFAULT '',
	domain     TEXT NOT NULL,
	status     TEXT NOT NULL,
	dsn        TEXT NOT NULL DEFAULT '',
	relay      TEXT NOT NULL DEFAULT '',
	reply      TEXT NOT NULL DEFAULT '',
	attempts   INTEGER NOT NULL DEFAULT 0,
	first_seen TEXT,
	updated_at TEXT,
	UNIQUE (message, address, orig_to)
) STRICT;
CREATE INDEX recipients_domain ON recipients(domain);
CREATE INDEX recipients_address ON recipients(address);

CREATE TABLE outbox (
	id           INTEGER PRIMARY KEY,
	dedup_key    TEXT NOT NULL UNIQUE,
	kind         TEXT NOT NULL,
	incident_id  TEXT NOT NULL DEFAULT '',
	sink         TEXT NOT NULL,
	recipients   TEXT NOT NULL DEFAULT '[]',
	payload      BLOB NOT NULL,
	created_at   TEXT NOT NULL,
	next_attempt TEXT NOT NULL,
	attempts     INTEGER NOT NULL DEFAULT 0,
	last_error   TEXT NOT NULL DEFAULT '',
	sent_at      TEXT,
	failed_at    TEXT
) STRICT;
CREATE INDEX outbox_due ON outbox(next_attempt) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_incident_id ON outbox(incident_id);
`,
	// 2: what the milter learned about each message (who sent it), linked
	// to its messages row by queue id when both are known.
	`
CREATE TABLE milter_messages (
	id          INTEGER PRIMARY KEY,
	message     INTEGER REFERENCES messages(id) ON DELETE CASCADE,
	queue_id    TEXT NOT NULL,
	track_id    TEXT NOT NULL,
	seen_at     TEXT NOT NULL,
	sender      TEXT NOT NULL DEFAULT '',
	recipients  TEXT NOT NULL DEFAULT '[]',
	nrcpt       INTEGER NOT NULL DEFAULT 0,
	auth_user   TEXT NOT NULL DEFAULT '',
	auth_type   TEXT NOT NULL DEFAULT '',
	client_name TEXT NOT NULL DEFAULT '',
	client_addr TEXT NOT NULL DEFAULT '',
	client_port INTEGER NOT NULL DEFAULT 0,
	helo        TEXT NOT NULL DEFAULT '',
	message_id  TEXT NOT NULL DEFAULT ''
) STRICT;
-- A message has the facts of one milter pass at most; unlinked rows wait
-- for the log line that starts their message.
CREATE UNIQUE INDEX milter_messages_message ON milter_messages(message);
CREATE INDEX milter_messages_pending ON milter_messages(queue_id) WHERE message IS NULL;
CREATE INDEX milter_messages_track_id ON milter_messages(track_id);
CREATE INDEX milter_messages_seen_at ON milter_messages(seen_at);
`,
	// 3: outbox lanes. Each channel ("email", "webhook", "alertmanager")
	// drains its own items; a sender claims an item (claimed_by, until
	// claimed_until) in one statement before it delivers it, so that two
	// processes on one state never send the same item.
	`
ALTER TABLE outbox ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN claimed_until TEXT;
CREATE INDEX outbox_lane ON outbox(sink, id) WHERE sent_at IS NULL AND failed_at IS NULL;
`,
	// 4: notices recorded by the log reader and composed beside it, the
	// thread and last counts of each announced incident, the firing
	// Alertmanager alerts, and the postmaster's acks and mutes.
	`
CREATE TABLE notices (
	id          INTEGER PRIMARY KEY,
	notice_key  TEXT NOT NULL UNIQUE,
	kind        TEXT NOT NULL,
	incident_id TEXT REFERENCES incidents(id) ON DELETE CASCADE,
	thread      TEXT NOT NULL DEFAULT '',
	message_id  TEXT NOT NULL DEFAULT '',
	created_at  TEXT NOT NULL,
	record      TEXT NOT NULL,
	composed_at TEXT
) STRICT;
CREATE INDEX notices_pending ON notices(id) WHERE composed_at IS NULL;
CREATE INDEX notices_thread ON notices(thread, id);
CREATE INDEX notices_incident_id ON notices(incident_id);

CREATE TABLE incident_notes (
	incident_id TEXT PRIMARY KEY REFERENCES incidents(id) ON DELETE CASCADE,
	thread      TEXT NOT NULL,
	counts      TEXT NOT NULL DEFAULT '',
	acked_at    TEXT,
	acked_by    TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE alerts (
	key        TEXT PRIMARY KEY,
	alert      TEXT NOT NULL,
	updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE mutes (
	id         INTEGER PRIMARY KEY,
	provider   TEXT NOT NULL DEFAULT '',
	listed     TEXT NOT NULL DEFAULT '',
	until      TEXT,
	created_at TEXT NOT NULL,
	created_by TEXT NOT NULL DEFAULT '',
	lifted_at  TEXT
) STRICT;
`,
	// 5: the store at line rate (issue 10). The incidents row holds the
	// incident without its lists, which are rows of incident_messages
	// (now with the SASL login and client) and incident_recipients, so
	// that a save writes what changed. Indexes that no query of rblwatch
	// uses and that every message paid for are dropped; the message list
	// is ordered by id (the order of first sighting); the deferred view
	// and the queue's reload use partial indexes on the live rows.
	`
ALTER TABLE incident_messages ADD COLUMN login TEXT NOT NULL DEFAULT '';
ALTER TABLE incident_messages ADD COLUMN client TEXT NOT NULL DEFAULT '';
UPDATE incident_messages SET
	login = coalesce((SELECT json_extract(i.json, '$.messages[' || incident_messages.seq || '].login') FROM incidents i WHERE i.id = incident_messages.incident_id), ''),
	client = coalesce((SELECT json_extract(i.json, '$.messages[' || incident_messages.seq || '].client') FROM incidents i WHERE i.id = incident_messages.incident_id), '');
UPDATE incidents SET json = json_remove(json, '$.messages', '$.recipients') WHERE json_valid(json);
DROP INDEX messages_state;
DROP INDEX messages_first_seen;
DROP INDEX messages_last_seen;
DROP INDEX messages_message_id;
DROP INDEX recipients_domain;
DROP INDEX recipients_address;
CREATE INDEX messages_live_state ON messages(state) WHERE removed_at IS NULL;
`,
	// 6: no index of messages by queue id: every message paid a write to
	// a random page of it, most of what a batch wrote. The daemon finds a
	// message by queue id in its picture of the queue; a query by queue id
	// reads the table.
	`
DROP INDEX messages_queue_id;
`,
	// 7: the queue ids of one message (issue 11.1): the message Postfix
	// queued under prev continues under next — a content filter queued it
	// again, the track header names its first queue id, postsuper -r
	// requeued it (postfixlog.Record.Link). Messages join them into one
	// trail at query time, by queue id and time (queue ids are reused).
	`
CREATE TABLE message_links (
	id      INTEGER PRIMARY KEY,
	prev    TEXT NOT NULL,
	next    TEXT NOT NULL,
	via     TEXT NOT NULL,
	seen_at TEXT
) STRICT;
CREATE INDEX message_links_prev ON message_links(prev);
CREATE INDEX message_links_next ON message_links(next);
CREATE INDEX message_links_seen_at ON message_links(seen_at);
`,
	// 8: incidents that began and ended inside a backlog of the log,
	// waiting for the backlog summary (a notice of kind "backlog"): each
	// row is saved in the transaction of the batch in which its incident
	// ended, and deleted in the one that records the summary, so that a
	// restart during a catch-up loses none and a summary is recorded
	// once. The row holds what the summary shows (no reference to the
	// incidents table, whose retention may delete the incident first).
	`
CREATE TABLE unannounced (
	incident_id TEXT PRIMARY KEY,
	first_seen  TEXT,
	since       TEXT,
	until       TEXT,
	messages    INTEGER NOT NULL DEFAULT 0,
	recipients  INTEGER NOT NULL DEFAULT 0,
	bounced     INTEGER NOT NULL DEFAULT 0,
	deferred    INTEGER NOT NULL DEFAULT 0,
	record      TEXT NOT NULL
) STRICT;
`,
	// 9: a message's recipients are in its row (issue 10: a row, an
	// index key and twelve bound values per recipient were a third of
	// what a catch-up wrote): rcpts holds them as JSON, an array per
	// recipient in the order they were first seen (rcptjson.go), and the
	// view recipients shows them as the table did, for the sqlite3
	// command and docs/store.md's queries.
	`
ALTER TABLE messages ADD COLUMN rcpts TEXT NOT NULL DEFAULT '[]';
UPDATE messages SET rcpts = (SELECT json_group_array(json_array(r.address, r.orig_to, r.domain, r.status, r.dsn, r.relay, r.reply,
	r.attempts, r.first_seen, r.updated_at) ORDER BY r.id) FROM recipients r WHERE r.message = messages.id)
WHERE id IN (SELECT message FROM recipients);
DROP TABLE recipients;
CREATE VIEW recipients AS
SELECT m.id AS message, j.key AS seq, j.value->>0 AS address, j.value->>1 AS orig_to, j.value->>2 AS domain,
	j.value->>3 AS status, j.value->>4 AS dsn, j.value->>5 AS relay, j.value->>6 AS reply, j.value->>7 AS attempts,
	j.value->>8 AS first_seen, j.value->>9 AS updated_at
FROM messages m, json_each(m.rcpts) j;
`,
	// 10: an incident's recipient domains and sample log lines are out of
	// its JSON (issue 10): the incidents row is written again with every
	// batch that touches the incident, and the domains' list grows without
	// bound (40 KB in the largest incidents of a dense log) — with the
	// samples, most of the bytes a catch-up wrote for incidents. A save
	// now adds the new entries of a list as one row (a JSON array: a row
	// per entry cost more than the bytes it saved), and the views
	// incident_domains and incident_samples show them an entry a row.
	// The indexes of incident_messages by queue id and of
	// incident_recipients by domain are dropped: no query of rblwatch
	// uses them (messages finds an incident's by incident_id, the
	// primary key's prefix), and every save wrote to random pages of
	// both — on a dense log's catch-up, 29 % of the pages the incidents'
	// commits wrote (valgrind, the WAL's checksummed bytes).
	`
CREATE TABLE incident_lists (
	incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
	list        TEXT NOT NULL,
	first       INTEGER NOT NULL,
	entries     TEXT NOT NULL,
	PRIMARY KEY (incident_id, list, first)
) STRICT;
INSERT INTO incident_lists (incident_id, list, first, entries)
SELECT id, 'domains', 0, json_extract(json, '$.domains') FROM incidents
WHERE json_valid(json) AND json_type(json, '$.domains') = 'array' AND json_array_length(json, '$.domains') > 0;
INSERT INTO incident_lists (incident_id, list, first, entries)
SELECT id, 'samples', 0, json_extract(json, '$.samples') FROM incidents
WHERE json_valid(json) AND json_type(json, '$.samples') = 'array' AND json_array_length(json, '$.samples') > 0;
UPDATE incidents SET json = json_remove(json, '$.domains', '$.samples') WHERE json_valid(json);
DROP INDEX incident_messages_queue_id;
DROP INDEX incident_recipients_domain;
CREATE VIEW incident_domains AS
SELECT l.incident_id, j.value AS domain FROM incident_lists l, json_each(l.entries) j WHERE l.list = 'domains';
CREATE VIEW incident_samples AS
SELECT l.incident_id, l.first + j.key AS seq, j.value AS line FROM incident_lists l, json_each(l.entries) j WHERE l.list = 'samples';
`,
	// 11: a cleared incident's evidence is packed (issue 10): its
	// messages, recipients, domains and samples, rows of the tables
	// above while it is open, become one row here in the transaction
	// that saves it cleared — format 1, the JSON of evidence.go's
	// packedEvidence, deflated — and its rows are deleted. On a dense
	// log, a row per message, recipient and save cost more than the
	// texts (10 MiB of incidents a day, 90 days kept: 900 MiB of the
	// 1 GB a host may keep). Incidents cleared before this version keep
	// their rows and are read as they are.
	`
CREATE TABLE incident_evidence (
	incident_id TEXT PRIMARY KEY REFERENCES incidents(id) ON DELETE CASCADE,
	format      INTEGER NOT NULL,
	data        BLOB NOT NULL
) STRICT;
`,
	// 12: what a restart during a catch-up needs to count as one run
	// does (issue 10): what an incident counted beyond its lists
	// — hashes of recipients and domains, the messages still in the
	// queue — a row per save that added to it (incident.Change.Carried,
	// kept with the incident), and the addresses not ours each
	// receiver named within a day (ingest.AddressBound; receiver '' for
	// all receivers together). Before, a restart counted again a message
	// beyond the 1,000 listed that was refused again, and let every
	// receiver name its addresses anew. Incidents open at the upgrade
	// carry nothing yet: theirs count as before until they clear.
	`
CREATE TABLE incident_counted (
	incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
	seq         INTEGER NOT NULL,
	data        BLOB NOT NULL,
	PRIMARY KEY (incident_id, seq)
) STRICT;
CREATE TABLE foreign_addresses (
	receiver TEXT NOT NULL,
	address  TEXT NOT NULL,
	named_at TEXT NOT NULL,
	PRIMARY KEY (receiver, address)
) STRICT, WITHOUT ROWID;
`,
}

// SchemaVersion is the schema version this package writes.
func SchemaVersion() int { return len(migrations) }

func schemaVersion(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (int, error) {
	var v int
	if err := q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("track: reading schema version: %w", err)
	}
	return v, nil
}

// migrate applies the missing migrations, each in a transaction, or refuses
// a database from a newer rblwatch.
func migrate(ctx context.Context, db *sql.DB, log *zap.Logger) error {
	return migrateTo(ctx, db, log, migrations)
}

func migrateTo(ctx context.Context, db *sql.DB, log *zap.Logger, list []string) error {
	v, err := schemaVersion(ctx, db)
	if err != nil {
		return err
	}
	if v > len(list) {
		return fmt.Errorf("%w: it has version %d, this rblwatch knows up to %d; use a newer rblwatch", ErrSchemaTooNew, v, len(list))
	}
	for next := v + 1; next <= len(list); next++ {
		if err := migrateOne(ctx, db, list, next); err != nil {
			return err
		}
		log.Info("migrated state database", zap.Int("version", next))
	}
	return nil
}

func migrateOne(ctx context.Context, db *sql.DB, list []string, next int) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("track: migrating to version %d: %w", next, err)
	}
	defer tx.Rollback()
	// Another process may have migrated since we looked.
	v, err := schemaVersion(ctx, tx)
	if err != nil {
		return err
	}
	if v >= next {
		return nil
	}
	if _, err := tx.ExecContext(ctx, list[next-1]); err != nil {
		return fmt.Errorf("track: migrating to version %d: %w", next, err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", next)); err != nil {
		return fmt.Errorf("track: migrating to version %d: %w", next, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("track: migrating to version %d: %w", next, err)
	}
	return nil
}
