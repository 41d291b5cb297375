package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Postgres is the Store kept in a PostgreSQL database, for several refeed
// instances sharing one state (see SCALEOUT.md). It is safe for concurrent
// use, also by several processes on one database.
//
// Every change is one transaction. Saves do not share transactions: each
// SaveSource takes its own, and PostgreSQL runs them side by side. What
// only several writers can break is guarded by locks held until commit:
//
//   - a save locks the hashes of its items' ids and keys (advisory locks,
//     sorted, so two saves never wait for each other in a cycle) before it
//     looks them up, so that the same story saved by two sources at once
//     is stored once; a save of more keys than pgMaxKeyLocks excludes
//     other saves instead, to keep PostgreSQL's lock table from filling;
//   - Prune and Retag, which rewrite many items, exclude saves (an
//     advisory lock saves take shared, they take exclusive);
//   - the feed marks (see Store.Unpublished) are numbered under one lock
//     held until commit, so that marks commit in the order of their
//     numbers and Published never clears a mark a reader could not see;
//     so are the versions of rendered feeds (see Rendered);
//   - claims (see Cluster) skip the rows another claim is taking (FOR
//     UPDATE SKIP LOCKED); with a per-host limit, they lock the hosts
//     they count the leases of (see Claim); the fenced write of a
//     claimed source's state locks its row first;
//   - a change fenced by a leader's term (see WithTerm) locks the leader's
//     row (FOR SHARE), so that no instance takes the lead until it ends.
//
// Texts from outside (ids, keys, links, a source's headers and errors,
// items) are kept as bytea, byte for byte, as SQLite keeps them:
// PostgreSQL's text refuses NUL and bytes that are not UTF-8. Names of
// sources, topics and alerts are text ordered by bytes (COLLATE "C").
type Postgres struct {
	pool *pgxpool.Pool
	name string // the database's URL without its password, for errors

	// closeMu guards closed; inflight counts the calls under way, which
	// Close awaits.
	closeMu   sync.RWMutex
	closed    bool
	inflight  sync.WaitGroup
	closeOnce sync.Once

	// The goroutines of RenderedChanged (listeners) end when closing is
	// canceled, by Close.
	closing   context.Context
	stop      context.CancelFunc
	listeners sync.WaitGroup
}

// The advisory locks of the store (the two-key form, which does not
// collide with the one-key locks of item keys): pgLockClass is the first
// key of all of them.
const (
	pgLockClass   = 0x72666564 // "rfed"
	pgLockMigrate = 1          // held while migrating
	pgLockMarks   = 2          // held while numbering feed marks, until commit
	pgLockItems   = 3          // shared by saves, exclusive for Prune, Retag and large saves
	pgLockRender  = 4          // held while numbering rendered feeds, until commit
	pgLockSync    = 5          // held by SyncSources

	// pgLockHosts is the first key of the locks of hosts (the second is
	// the hash of one), which claims take to count a host's leases.
	pgLockHosts = 0x72666568 // "rfeh"
)

// pgMigrations are applied in order, all in one transaction; the schema
// version is the number applied, recorded in refeed_schema.
var pgMigrations = []string{
	// 1: the whole store, as SQLite's migrations 1 to 6 left it.
	`CREATE TABLE items (
		id         bytea PRIMARY KEY,
		source     text COLLATE "C" NOT NULL,
		guid       bytea NOT NULL,
		link_key   bytea NOT NULL,
		title_key  bytea NOT NULL,
		guid_h     bigint NOT NULL,
		link_h     bigint NOT NULL,
		title_h    bigint NOT NULL,
		sort_time  bigint NOT NULL,
		first_seen bigint NOT NULL,
		hash       text NOT NULL,
		data       bytea NOT NULL
	);
	CREATE INDEX items_guid ON items (guid_h) WHERE guid_h <> 0;
	CREATE INDEX items_link ON items (link_h) WHERE link_h <> 0;
	CREATE INDEX items_title ON items (title_h) WHERE title_h <> 0;
	CREATE INDEX items_sort ON items (sort_time DESC, id);
	CREATE TABLE aliases (
		alias bytea PRIMARY KEY,
		id    bytea NOT NULL
	);
	CREATE INDEX aliases_id ON aliases (id);
	CREATE TABLE item_sources (
		item_id bytea NOT NULL,
		source  text COLLATE "C" NOT NULL,
		PRIMARY KEY (item_id, source)
	);
	CREATE TABLE item_topics (
		item_id bytea NOT NULL,
		topic   text COLLATE "C" NOT NULL,
		source  text COLLATE "C" NOT NULL,
		PRIMARY KEY (topic, item_id, source)
	);
	CREATE INDEX item_topics_item ON item_topics (item_id);
	CREATE TABLE sources (
		name          text COLLATE "C" PRIMARY KEY,
		url           bytea NOT NULL,
		title         bytea NOT NULL,
		link          bytea NOT NULL,
		etag          bytea NOT NULL,
		last_modified bytea NOT NULL,
		hash          bytea NOT NULL,
		last_attempt  bigint NOT NULL,
		last_success  bigint NOT NULL,
		last_error    bytea NOT NULL,
		failures      integer NOT NULL,
		next_attempt  bigint NOT NULL
	);
	CREATE TABLE gone (
		id bytea PRIMARY KEY,
		at bigint NOT NULL
	);
	CREATE INDEX gone_at ON gone (at);
	CREATE TABLE meta (
		key   text COLLATE "C" PRIMARY KEY,
		value bytea NOT NULL
	);
	CREATE TABLE fingerprints (
		source      text COLLATE "C" NOT NULL,
		id          bytea NOT NULL,
		fingerprint text NOT NULL,
		PRIMARY KEY (source, id)
	);
	CREATE TABLE fulltext (
		link    bytea PRIMARY KEY,
		content bytea NOT NULL,
		error   bytea NOT NULL,
		fetched bigint NOT NULL
	);
	CREATE INDEX fulltext_fetched ON fulltext (fetched);
	CREATE TABLE feed_changes (
		seq  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
		slug text COLLATE "C" NOT NULL
	);
	CREATE INDEX feed_changes_slug ON feed_changes (slug, seq);
	CREATE TABLE entered (
		seq     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
		topic   text COLLATE "C" NOT NULL,
		first   boolean NOT NULL,
		item_id bytea NOT NULL
	);
	CREATE TABLE alert_seen (
		alert_key text COLLATE "C" NOT NULL,
		item_id   bytea NOT NULL,
		at        bigint NOT NULL,
		PRIMARY KEY (alert_key, item_id)
	);
	CREATE TABLE alert_queue (
		alert_key    text COLLATE "C" NOT NULL,
		item_id      bytea NOT NULL,
		seq          bigint GENERATED ALWAYS AS IDENTITY,
		topic        text COLLATE "C" NOT NULL,
		data         bytea NOT NULL,
		queued       bigint NOT NULL,
		attempts     integer NOT NULL DEFAULT 0,
		next_attempt bigint NOT NULL,
		last_error   bytea NOT NULL DEFAULT '',
		PRIMARY KEY (alert_key, item_id)
	);
	CREATE INDEX alert_queue_due ON alert_queue (alert_key, next_attempt);
	CREATE TABLE alert_state (
		alert_key     text COLLATE "C" PRIMARY KEY,
		last_success  bigint NOT NULL DEFAULT 0,
		last_error    bytea NOT NULL DEFAULT '',
		last_error_at bigint NOT NULL DEFAULT 0,
		last_digest   bigint NOT NULL DEFAULT 0
	);`,
	// 2: several instances sharing the store (see Cluster): the sources'
	// schedule and claims, the leader and the instances it saw, the
	// rendered feeds, and the leases of alert deliveries. The times of
	// coordination are timestamptz of the server's clock (now()), the one
	// clock of every instance; next_due is NULL while a source was never
	// scheduled, and a claim's lease is folded into it (see Claim), so
	// that one index finds what is due, claimed or not. (The times of
	// items and fetches stay Unix nanoseconds of the instances' clocks.)
	`ALTER TABLE sources
		ADD COLUMN next_due    timestamptz,
		ADD COLUMN lease_owner text COLLATE "C" NOT NULL DEFAULT '',
		ADD COLUMN gen         bigint NOT NULL DEFAULT 0,
		ADD COLUMN host        bytea NOT NULL DEFAULT '',
		ADD COLUMN digest      text COLLATE "C" NOT NULL DEFAULT '',
		ADD COLUMN configured  boolean NOT NULL DEFAULT false,
		ADD COLUMN rerun       boolean NOT NULL DEFAULT false;
	CREATE INDEX sources_due ON sources (next_due, name) WHERE configured;
	CREATE INDEX sources_leased ON sources (host) WHERE lease_owner <> '';
	CREATE TABLE leader (
		id      boolean PRIMARY KEY DEFAULT true CHECK (id),
		owner   text COLLATE "C" NOT NULL,
		term    bigint NOT NULL,
		hash    text COLLATE "C" NOT NULL,
		expires timestamptz NOT NULL
	);
	CREATE TABLE instances (
		name text COLLATE "C" PRIMARY KEY,
		hash text COLLATE "C" NOT NULL,
		seen timestamptz NOT NULL
	);
	CREATE SEQUENCE rendered_seq;
	CREATE TABLE rendered (
		slug    text COLLATE "C" PRIMARY KEY,
		title   bytea NOT NULL,
		items   integer NOT NULL,
		updated bigint NOT NULL,
		private boolean NOT NULL,
		formats text[] NOT NULL,
		docs    bytea[] NOT NULL,
		etags   bytea[] NOT NULL,
		version bigint NOT NULL
	);
	CREATE INDEX rendered_version ON rendered (version);
	CREATE TABLE alert_leases (
		alert_key text COLLATE "C" PRIMARY KEY,
		owner     text COLLATE "C" NOT NULL,
		expires   timestamptz NOT NULL
	);`,
	// 3: what a site config found besides a full-text article (title,
	// authors as a JSON array, date), and the rules it was extracted with
	// (see FullText), as SQLite's migration 8.
	`ALTER TABLE fulltext
		ADD COLUMN title   bytea NOT NULL DEFAULT '',
		ADD COLUMN authors bytea NOT NULL DEFAULT '',
		ADD COLUMN date    bytea NOT NULL DEFAULT '',
		ADD COLUMN rules   text COLLATE "C" NOT NULL DEFAULT '';`,
}

// OpenPostgres opens the store in the PostgreSQL database at url (such as
// postgres://refeed@db.example:5432/refeed?sslmode=verify-full) and brings
// its schema up to date. Instances starting at once migrate one after the
// other: the second finds the schema current.
func OpenPostgres(ctx context.Context, url string) (*Postgres, error) {
	name := redactURL(url)
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's parse errors can quote the URL, password and all.
		return nil, fmt.Errorf("open store %s: invalid PostgreSQL URL", name)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", name, err)
	}
	p := &Postgres{pool: pool, name: name}
	p.closing, p.stop = context.WithCancel(context.Background())
	if err := p.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open store %s: %w", name, err)
	}
	return p, nil
}

// redactURL returns u without its password, or a placeholder when it does
// not parse.
func redactURL(u string) string {
	pu, err := url.Parse(u)
	if err != nil {
		return "postgres://(unparsable URL)"
	}
	return pu.Redacted()
}

// migrate applies the migrations not yet applied, in one transaction that
// holds the migration lock (so that two instances starting at once do not
// both migrate).
func (p *Postgres) migrate(ctx context.Context) error {
	tx, err := p.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, pgLockClass, pgLockMigrate); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS refeed_schema (
		version integer PRIMARY KEY,
		applied timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var version int
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM refeed_schema`).Scan(&version); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if version > len(pgMigrations) {
		return fmt.Errorf("schema version %d is newer than this refeed knows (%d)", version, len(pgMigrations))
	}
	for v := version; v < len(pgMigrations); v++ {
		if _, err := tx.Exec(ctx, pgMigrations[v]); err != nil {
			return fmt.Errorf("migration %d: %w", v+1, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO refeed_schema (version) VALUES ($1)`, v+1); err != nil {
			return fmt.Errorf("migration %d: %w", v+1, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Version returns the schema version of the database.
func (p *Postgres) Version(ctx context.Context) (int, error) {
	var v int
	if err := p.pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM refeed_schema`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

// Pool returns the store's connection pool, for checks and tests.
func (p *Postgres) Pool() *pgxpool.Pool { return p.pool }

// enter counts a call under way; it fails once the store is closed. The
// caller calls the function it returns when done.
func (p *Postgres) enter() (func(), error) {
	p.closeMu.RLock()
	defer p.closeMu.RUnlock()
	if p.closed {
		return nil, ErrClosed
	}
	p.inflight.Add(1)
	return p.inflight.Done, nil
}

// Close waits for the calls under way and closes the connections. Calls
// after Close fail.
func (p *Postgres) Close() error {
	p.closeOnce.Do(func() {
		p.closeMu.Lock()
		p.closed = true
		p.closeMu.Unlock()
		p.stop()
		p.listeners.Wait()
		p.inflight.Wait()
		p.pool.Close()
	})
	return nil
}

// fencedTx runs f as inTx does, fenced by the term ctx carries, if any
// (see WithTerm): it fails with ErrNotLeader unless that term is the
// current leader's, whose row it locks (FOR SHARE) until commit, so that
// no other instance takes the lead while f's changes are made.
func (p *Postgres) fencedTx(ctx context.Context, f func(pgx.Tx) error) error {
	return p.inTx(ctx, func(tx pgx.Tx) error {
		if err := pgCheckTerm(ctx, tx); err != nil {
			return err
		}
		return f(tx)
	})
}

// pgCheckTerm returns ErrNotLeader when ctx carries a term that is not the
// current leader's, locking the leader's row in tx otherwise.
func pgCheckTerm(ctx context.Context, tx pgx.Tx) error {
	t, ok := termOf(ctx)
	if !ok {
		return nil
	}
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM leader WHERE owner = $1 AND term = $2 AND expires > now() FOR SHARE`, t.owner, t.term).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotLeader
	}
	return err
}

// inTx runs f in a transaction of its own, committing when f returns nil.
func (p *Postgres) inTx(ctx context.Context, f func(pgx.Tx) error) error {
	done, err := p.enter()
	if err != nil {
		return err
	}
	defer done()
	tx, err := p.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := f(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// pgBytes returns s as the value of a bytea parameter: never nil, which pgx
// would send as NULL.
func pgBytes(s string) []byte {
	return append([]byte{}, s...)
}

// pgBytesList returns ss as the value of a bytea[] parameter.
func pgBytesList(ss []string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = pgBytes(s)
	}
	return out
}

const pgSourceCols = `url, title, link, etag, last_modified, hash, last_attempt, last_success, last_error, failures, next_attempt`

// scanSource scans the columns pgSourceCols and next_due into st.
func scanSource(row pgx.Row, st *SourceState, name *string) error {
	var url, title, link, etag, lm, hash, lastErr []byte
	var attempt, success, next int64
	var due *time.Time
	dest := []any{&url, &title, &link, &etag, &lm, &hash, &attempt, &success, &lastErr, &st.Failures, &next, &due}
	if name != nil {
		dest = append([]any{name}, dest...)
	}
	if err := row.Scan(dest...); err != nil {
		return err
	}
	st.URL, st.Title, st.Link, st.ETag, st.LastModified, st.Hash, st.LastError =
		string(url), string(title), string(link), string(etag), string(lm), string(hash), string(lastErr)
	st.LastAttempt, st.LastSuccess, st.NextAttempt = fromUnix(attempt), fromUnix(success), fromUnix(next)
	if due != nil {
		st.NextDue = due.UTC()
	}
	return nil
}

// Source returns the state of the named source; a source never fetched
// has a zero state with its name.
func (p *Postgres) Source(ctx context.Context, name string) (SourceState, error) {
	st := SourceState{Name: name}
	err := scanSource(p.pool.QueryRow(ctx, `SELECT `+pgSourceCols+`, next_due FROM sources WHERE name = $1`, name), &st, nil)
	if errors.Is(err, pgx.ErrNoRows) {
		return SourceState{Name: name}, nil
	}
	if err != nil {
		return SourceState{Name: name}, fmt.Errorf("read source %s: %w", name, err)
	}
	return st, nil
}

// Sources returns the state of every source the store knows, by name.
func (p *Postgres) Sources(ctx context.Context) ([]SourceState, error) {
	rows, err := p.pool.Query(ctx, `SELECT name, `+pgSourceCols+`, next_due FROM sources ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("read sources: %w", err)
	}
	defer rows.Close()
	var out []SourceState
	for rows.Next() {
		var st SourceState
		if err := scanSource(rows, &st, &st.Name); err != nil {
			return nil, fmt.Errorf("read sources: %w", err)
		}
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read sources: %w", err)
	}
	return out, nil
}

// pgPutSource records the states of sources.
const pgPutSource = `INSERT INTO sources (name, ` + pgSourceCols + `)
	SELECT * FROM unnest($1::text[], $2::bytea[], $3::bytea[], $4::bytea[], $5::bytea[], $6::bytea[], $7::bytea[],
		$8::bigint[], $9::bigint[], $10::bytea[], $11::integer[], $12::bigint[])
	ON CONFLICT (name) DO UPDATE SET url = excluded.url, title = excluded.title, link = excluded.link, etag = excluded.etag,
		last_modified = excluded.last_modified, hash = excluded.hash, last_attempt = excluded.last_attempt,
		last_success = excluded.last_success, last_error = excluded.last_error, failures = excluded.failures,
		next_attempt = excluded.next_attempt`

// putSources records states in q; of a source given twice, the last
// state counts. A state whose Lease is lost (see Lease) is left out, and
// returned.
func putSources(ctx context.Context, q pgx.Tx, states []SourceState) (lost []string, err error) {
	last := map[string]int{}
	for i, st := range states {
		last[st.Name] = i
	}
	var names []string
	var url, title, link, etag, lm, hash, lastErr [][]byte
	var attempt, success, next []int64
	var failures []int32
	for i, st := range states {
		if last[st.Name] != i {
			continue
		}
		if st.Lease != nil {
			if err := pgEndLease(ctx, q, st); errors.Is(err, ErrLeaseLost) {
				lost = append(lost, st.Name)
				continue
			} else if err != nil {
				return nil, fmt.Errorf("source %s: %w", st.Name, err)
			}
		}
		names = append(names, st.Name)
		url, title, link, etag = append(url, pgBytes(st.URL)), append(title, pgBytes(st.Title)), append(link, pgBytes(st.Link)), append(etag, pgBytes(st.ETag))
		lm, hash, lastErr = append(lm, pgBytes(st.LastModified)), append(hash, pgBytes(st.Hash)), append(lastErr, pgBytes(st.LastError))
		attempt, success, next = append(attempt, toUnix(st.LastAttempt)), append(success, toUnix(st.LastSuccess)), append(next, toUnix(st.NextAttempt))
		failures = append(failures, int32(st.Failures))
	}
	if len(names) == 0 {
		return lost, nil
	}
	_, err = q.Exec(ctx, pgPutSource, names, url, title, link, etag, lm, hash, attempt, success, lastErr, failures, next)
	return lost, err
}

// pgEndLease ends the claim of st.Lease in tx (see Lease), at the store's
// clock: it returns ErrLeaseLost, having changed nothing, when the source
// is no longer so claimed. The source's row stays locked until tx ends,
// so that no claim takes it meanwhile.
func pgEndLease(ctx context.Context, tx pgx.Tx, st SourceState) error {
	l := st.Lease
	var now time.Time
	if err := tx.QueryRow(ctx, `SELECT now()`).Scan(&now); err != nil {
		return err
	}
	var next *time.Time
	if t := leaseNext(l, now); !t.IsZero() {
		next = &t
	}
	tag, err := tx.Exec(ctx, `UPDATE sources SET next_due = CASE WHEN rerun THEN now() ELSE $1::timestamptz END, lease_owner = '', rerun = false
		WHERE name = $2 AND gen = $3 AND lease_owner = $4 AND lease_owner <> '' AND configured`, next, st.Name, l.Gen, l.Owner)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return ErrLeaseLost
	}
	return nil
}

// PutSource records the state of a source; one whose Lease is set only
// while the source is still so claimed (see Lease).
func (p *Postgres) PutSource(ctx context.Context, st SourceState) error {
	var lost []string
	err := p.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		lost, err = putSources(ctx, tx, []SourceState{st})
		return err
	})
	if err == nil && len(lost) > 0 {
		err = ErrLeaseLost
	}
	if err != nil {
		return fmt.Errorf("write source %s: %w", st.Name, err)
	}
	return nil
}

// PutSources records the states of several sources at once. A state whose
// Lease is lost is left out (see Lease); the others are written, and the
// error wraps ErrLeaseLost.
func (p *Postgres) PutSources(ctx context.Context, states []SourceState) error {
	if len(states) == 0 {
		return nil
	}
	var lost []string
	err := p.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		lost, err = putSources(ctx, tx, states)
		return err
	})
	if err != nil {
		return fmt.Errorf("write sources: %w", err)
	}
	return lostError(lost)
}

// Meta returns a stored setting, or "" when unset.
func (p *Postgres) Meta(ctx context.Context, key string) (string, error) {
	var v []byte
	err := p.pool.QueryRow(ctx, `SELECT value FROM meta WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read meta %s: %w", key, err)
	}
	return string(v), nil
}

// SetMeta stores a setting.
func (p *Postgres) SetMeta(ctx context.Context, key, value string) error {
	err := p.fencedTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO meta (key, value) VALUES ($1, $2)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, pgBytes(value))
		return err
	})
	if err != nil {
		return fmt.Errorf("write meta %s: %w", key, err)
	}
	return nil
}

// FullText returns the article stored for link, and whether there is one.
func (p *Postgres) FullText(ctx context.Context, link string) (FullText, bool, error) {
	var content, msg, title, authors, date []byte
	var fetched int64
	var rules string
	err := p.pool.QueryRow(ctx, `SELECT content, error, fetched, title, authors, date, rules FROM fulltext WHERE link = $1`, pgBytes(link)).
		Scan(&content, &msg, &fetched, &title, &authors, &date, &rules)
	if errors.Is(err, pgx.ErrNoRows) {
		return FullText{}, false, nil
	}
	if err != nil {
		return FullText{}, false, fmt.Errorf("read full text of %s: %w", link, err)
	}
	ft := FullText{Content: string(content), Error: string(msg), Fetched: fromUnix(fetched), Title: string(title), Date: string(date), Rules: rules}
	if ft.Authors, err = decodeAuthors(string(authors)); err != nil {
		return FullText{}, false, fmt.Errorf("read full text of %s: %w", link, err)
	}
	return ft, true, nil
}

// PutFullText stores the article fetched for link (or the failure).
func (p *Postgres) PutFullText(ctx context.Context, link string, ft FullText) error {
	authors, err := encodeAuthors(ft.Authors)
	if err != nil {
		return fmt.Errorf("write full text of %s: %w", link, err)
	}
	err = p.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO fulltext (link, content, error, fetched, title, authors, date, rules) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (link) DO UPDATE SET content = excluded.content, error = excluded.error, fetched = excluded.fetched,
				title = excluded.title, authors = excluded.authors, date = excluded.date, rules = excluded.rules`,
			pgBytes(link), pgBytes(ft.Content), pgBytes(ft.Error), toUnix(ft.Fetched), pgBytes(ft.Title), pgBytes(authors), pgBytes(ft.Date), ft.Rules)
		return err
	})
	if err != nil {
		return fmt.Errorf("write full text of %s: %w", link, err)
	}
	return nil
}

// pgMarkChanged marks the feeds slugs as changed in tx. The marks are
// numbered under a lock held until tx commits, so that a mark numbered
// below another commits before it (see Published).
func pgMarkChanged(ctx context.Context, tx pgx.Tx, slugs []string) error {
	if len(slugs) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, pgLockClass, pgLockMarks); err != nil {
		return fmt.Errorf("mark feeds changed: lock: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO feed_changes (slug) SELECT s FROM unnest($1::text[]) WITH ORDINALITY AS m(s, n) ORDER BY n`, slugs); err != nil {
		return fmt.Errorf("mark feeds changed: %w", err)
	}
	return nil
}

// Unpublished returns the feeds marked as changed since their last
// publication, with their newest marks.
func (p *Postgres) Unpublished(ctx context.Context) (map[string]int64, error) {
	rows, err := p.pool.Query(ctx, `SELECT slug, max(seq) FROM feed_changes GROUP BY slug`)
	if err != nil {
		return nil, fmt.Errorf("read unpublished feeds: %w", err)
	}
	defer rows.Close()
	return scanMarks(rows)
}

// MarkChanged marks feeds as changed.
func (p *Postgres) MarkChanged(ctx context.Context, slugs []string) error {
	if len(slugs) == 0 {
		return nil
	}
	if err := p.fencedTx(ctx, func(tx pgx.Tx) error { return pgMarkChanged(ctx, tx, slugs) }); err != nil {
		return fmt.Errorf("mark feeds changed: %w", err)
	}
	return nil
}

// Published clears the marks of published feeds up to the marks given.
func (p *Postgres) Published(ctx context.Context, marks map[string]int64) error {
	if len(marks) == 0 {
		return nil
	}
	slugs := make([]string, 0, len(marks))
	seqs := make([]int64, 0, len(marks))
	for s, n := range marks {
		slugs, seqs = append(slugs, s), append(seqs, n)
	}
	err := p.fencedTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM feed_changes f USING unnest($1::text[], $2::bigint[]) AS m(slug, seq)
			WHERE f.slug = m.slug AND f.seq <= m.seq`, slugs, seqs)
		return err
	})
	if err != nil {
		return fmt.Errorf("clear the marks of published feeds: %w", err)
	}
	return nil
}

var _ Store = (*Postgres)(nil)
