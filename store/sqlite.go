package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite" // the database/sql driver "sqlite"
)

// FileName is the name of the database in the data directory.
const FileName = "refeed.db"

// SQLite is the Store kept in one SQLite file: the default backend. It is
// safe for concurrent use.
//
// The schema is versioned; migrations run when the file is opened. Every
// change is one transaction, so a crash never leaves half of a refresh.
type SQLite struct {
	db   *sql.DB
	path string
	mu   sync.Mutex // serializes writers

	// prepared holds the statements of a save, prepared once (see txn);
	// only writers, holding mu, use it.
	prepared map[string]*sql.Stmt

	// The writer (see writer.go) saves what SaveSource hands it in saves;
	// it ends when stop is closed, closing written. closeMu guards closed;
	// inflight counts the SaveSource calls under way, which Close awaits.
	saves     chan *saveRequest
	stop      chan struct{}
	written   chan struct{}
	closeMu   sync.RWMutex
	closed    bool
	inflight  sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
	commits   atomic.Int64 // save transactions committed

	ckpt *checkpointer

	// damage is set once the file is found damaged (see damage.go).
	damage atomic.Pointer[DamagedError]
	// checked is when checkFile last found the file sound, for the seal
	// a clean Close leaves (see seal.go).
	checked time.Time

	// subs are the channels of RenderedChanged, guarded by subsMu.
	subsMu sync.Mutex
	subs   map[chan struct{}]bool
}

// migrations are applied in order; the schema version is the number of
// migrations applied (PRAGMA user_version).
var migrations = []string{
	// 1: items, their sources and topics, fetch state, retention tombstones.
	`CREATE TABLE items (
		id         TEXT PRIMARY KEY,
		source     TEXT NOT NULL,
		guid       TEXT NOT NULL DEFAULT '',
		link_key   TEXT NOT NULL DEFAULT '',
		title_key  TEXT NOT NULL DEFAULT '',
		sort_time  INTEGER NOT NULL,
		first_seen INTEGER NOT NULL,
		hash       TEXT NOT NULL,
		data       TEXT NOT NULL
	);
	CREATE INDEX items_guid ON items(guid) WHERE guid != '';
	CREATE INDEX items_link ON items(link_key) WHERE link_key != '';
	CREATE INDEX items_title ON items(title_key) WHERE title_key != '';
	CREATE INDEX items_sort ON items(sort_time DESC, id);
	CREATE TABLE aliases (
		alias TEXT PRIMARY KEY,
		id    TEXT NOT NULL
	);
	CREATE INDEX aliases_id ON aliases(id);
	CREATE TABLE item_sources (
		item_id TEXT NOT NULL,
		source  TEXT NOT NULL,
		PRIMARY KEY (item_id, source)
	);
	CREATE TABLE item_topics (
		item_id TEXT NOT NULL,
		topic   TEXT NOT NULL,
		source  TEXT NOT NULL,
		PRIMARY KEY (topic, item_id, source)
	);
	CREATE INDEX item_topics_item ON item_topics(item_id);
	CREATE TABLE sources (
		name          TEXT PRIMARY KEY,
		url           TEXT NOT NULL DEFAULT '',
		title         TEXT NOT NULL DEFAULT '',
		link          TEXT NOT NULL DEFAULT '',
		etag          TEXT NOT NULL DEFAULT '',
		last_modified TEXT NOT NULL DEFAULT '',
		hash          TEXT NOT NULL DEFAULT '',
		last_attempt  INTEGER NOT NULL DEFAULT 0,
		last_success  INTEGER NOT NULL DEFAULT 0,
		last_error    TEXT NOT NULL DEFAULT '',
		failures      INTEGER NOT NULL DEFAULT 0,
		next_attempt  INTEGER NOT NULL DEFAULT 0
	);
	CREATE TABLE gone (
		id TEXT PRIMARY KEY,
		at INTEGER NOT NULL
	);
	CREATE TABLE meta (
		key   TEXT PRIMARY KEY,
		value TEXT NOT NULL
	);`,
	// 2: topic alerts (see alerts.go): the items each alert has seen, the
	// deliveries waiting to be sent, each alert's delivery state, and the
	// items that entered topics, saved with them, until alerts take them.
	`CREATE TABLE alert_seen (
		alert_key TEXT NOT NULL,
		item_id   TEXT NOT NULL,
		at        INTEGER NOT NULL,
		PRIMARY KEY (alert_key, item_id)
	);
	CREATE TABLE alert_queue (
		alert_key    TEXT NOT NULL,
		item_id      TEXT NOT NULL,
		topic        TEXT NOT NULL,
		data         TEXT NOT NULL,
		queued       INTEGER NOT NULL,
		attempts     INTEGER NOT NULL DEFAULT 0,
		next_attempt INTEGER NOT NULL,
		last_error   TEXT NOT NULL DEFAULT '',
		PRIMARY KEY (alert_key, item_id)
	);
	CREATE INDEX alert_queue_due ON alert_queue(alert_key, next_attempt);
	CREATE TABLE alert_state (
		alert_key     TEXT PRIMARY KEY,
		last_success  INTEGER NOT NULL DEFAULT 0,
		last_error    TEXT NOT NULL DEFAULT '',
		last_error_at INTEGER NOT NULL DEFAULT 0,
		last_digest   INTEGER NOT NULL DEFAULT 0
	);
	CREATE TABLE entered (
		seq     INTEGER PRIMARY KEY AUTOINCREMENT,
		topic   TEXT NOT NULL,
		first   INTEGER NOT NULL,
		item_id TEXT NOT NULL
	);`,
	// 3: full-text articles fetched for items (see fulltext.go).
	`CREATE TABLE fulltext (
		link    TEXT PRIMARY KEY,
		content TEXT NOT NULL,
		error   TEXT NOT NULL DEFAULT '',
		fetched INTEGER NOT NULL
	);`,
	// 4: the fingerprint of every item as its source last sent it, so
	// that unchanged items are not cleaned and saved again.
	`CREATE TABLE fingerprints (
		source      TEXT NOT NULL,
		id          TEXT NOT NULL,
		fingerprint TEXT NOT NULL,
		PRIMARY KEY (source, id)
	);`,
	// 5: fewer rows and b-trees per item, and smaller ones, to make saving
	// cheaper. An item is its own alias and carried by its own source
	// without a row saying so (items.id and items.source say it); the
	// tables of small rows keyed by their primary key lose their rowid
	// (one b-tree each instead of two); items are found by the hashes of
	// their GUIDs, link keys and title keys (see keyHash) instead of the
	// keys; items are ordered by an index of their times alone, ties in
	// the order of their rowids (new items are appended, not scattered
	// among the ties by their random ids; queries sort ties by id).
	`CREATE TABLE aliases5 (
		alias TEXT PRIMARY KEY,
		id    TEXT NOT NULL
	) WITHOUT ROWID;
	INSERT INTO aliases5 (alias, id) SELECT alias, id FROM aliases WHERE alias != id;
	DROP TABLE aliases;
	ALTER TABLE aliases5 RENAME TO aliases;
	CREATE INDEX aliases_id ON aliases(id);
	CREATE TABLE item_sources5 (
		item_id TEXT NOT NULL,
		source  TEXT NOT NULL,
		PRIMARY KEY (item_id, source)
	) WITHOUT ROWID;
	INSERT INTO item_sources5 (item_id, source) SELECT s.item_id, s.source FROM item_sources s
		WHERE NOT EXISTS (SELECT 1 FROM items i WHERE i.id = s.item_id AND i.source = s.source);
	DROP TABLE item_sources;
	ALTER TABLE item_sources5 RENAME TO item_sources;
	CREATE TABLE item_topics5 (
		item_id TEXT NOT NULL,
		topic   TEXT NOT NULL,
		source  TEXT NOT NULL,
		PRIMARY KEY (topic, item_id, source)
	) WITHOUT ROWID;
	INSERT INTO item_topics5 (item_id, topic, source) SELECT item_id, topic, source FROM item_topics;
	DROP TABLE item_topics;
	ALTER TABLE item_topics5 RENAME TO item_topics;
	CREATE INDEX item_topics_item ON item_topics(item_id);
	CREATE TABLE fingerprints5 (
		source      TEXT NOT NULL,
		id          TEXT NOT NULL,
		fingerprint TEXT NOT NULL,
		PRIMARY KEY (source, id)
	) WITHOUT ROWID;
	INSERT INTO fingerprints5 (source, id, fingerprint) SELECT source, id, fingerprint FROM fingerprints;
	DROP TABLE fingerprints;
	ALTER TABLE fingerprints5 RENAME TO fingerprints;
	CREATE TABLE gone5 (
		id TEXT PRIMARY KEY,
		at INTEGER NOT NULL
	) WITHOUT ROWID;
	INSERT INTO gone5 (id, at) SELECT id, at FROM gone;
	DROP TABLE gone;
	ALTER TABLE gone5 RENAME TO gone;
	DROP INDEX items_guid;
	DROP INDEX items_link;
	DROP INDEX items_title;
	ALTER TABLE items ADD COLUMN guid_h INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE items ADD COLUMN link_h INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE items ADD COLUMN title_h INTEGER NOT NULL DEFAULT 0;
	UPDATE items SET guid_h = refeed_key_hash(guid), link_h = refeed_key_hash(link_key), title_h = refeed_key_hash(title_key);
	CREATE INDEX items_guid ON items(guid_h) WHERE guid_h != 0;
	CREATE INDEX items_link ON items(link_h) WHERE link_h != 0;
	CREATE INDEX items_title ON items(title_h) WHERE title_h != 0;
	DROP INDEX items_sort;
	CREATE INDEX items_sort ON items(sort_time);`,
	// 6: the feeds whose items changed since their last publication (see
	// Store.Unpublished): a log of marks, each numbered above every mark
	// before it, so that clearing the marks a publication read leaves
	// those made while it rendered.
	`CREATE TABLE feed_changes (
		seq  INTEGER PRIMARY KEY AUTOINCREMENT,
		slug TEXT NOT NULL
	);
	CREATE INDEX feed_changes_slug ON feed_changes(slug, seq);`,
	// 7: several instances sharing one store (see Cluster), which SQLite
	// keeps too, for one: the sources' schedule and claims (next_due, in
	// Unix nanoseconds of the store's clock, NULL while never scheduled;
	// the lease folded into it, see Claim), the leader and the instances
	// it saw, the rendered feeds, and the leases of alert deliveries.
	`ALTER TABLE sources ADD COLUMN next_due INTEGER;
	ALTER TABLE sources ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
	ALTER TABLE sources ADD COLUMN gen INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE sources ADD COLUMN host TEXT NOT NULL DEFAULT '';
	ALTER TABLE sources ADD COLUMN digest TEXT NOT NULL DEFAULT '';
	ALTER TABLE sources ADD COLUMN configured INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE sources ADD COLUMN rerun INTEGER NOT NULL DEFAULT 0;
	CREATE INDEX sources_due ON sources(next_due, name) WHERE configured;
	CREATE INDEX sources_leased ON sources(host) WHERE lease_owner != '';
	CREATE TABLE leader (
		id      INTEGER PRIMARY KEY CHECK (id = 1),
		owner   TEXT NOT NULL,
		term    INTEGER NOT NULL,
		hash    TEXT NOT NULL,
		expires INTEGER NOT NULL
	);
	CREATE TABLE instances (
		name TEXT PRIMARY KEY,
		hash TEXT NOT NULL,
		seen INTEGER NOT NULL
	) WITHOUT ROWID;
	CREATE TABLE rendered (
		slug    TEXT PRIMARY KEY,
		title   TEXT NOT NULL,
		items   INTEGER NOT NULL,
		updated INTEGER NOT NULL,
		private INTEGER NOT NULL,
		version INTEGER NOT NULL
	);
	CREATE INDEX rendered_version ON rendered(version);
	CREATE TABLE rendered_docs (
		slug   TEXT NOT NULL,
		format TEXT NOT NULL,
		doc    BLOB NOT NULL,
		etag   TEXT NOT NULL,
		PRIMARY KEY (slug, format)
	) WITHOUT ROWID;
	CREATE TABLE alert_leases (
		alert_key TEXT PRIMARY KEY,
		owner     TEXT NOT NULL,
		expires   INTEGER NOT NULL
	) WITHOUT ROWID;`,
	// 8: what a site config found besides a full-text article (title,
	// authors as a JSON array, date), and the rules it was extracted with
	// (see FullText): articles of earlier versions have none, and are
	// stale.
	`ALTER TABLE fulltext ADD COLUMN title TEXT NOT NULL DEFAULT '';
	ALTER TABLE fulltext ADD COLUMN authors TEXT NOT NULL DEFAULT '';
	ALTER TABLE fulltext ADD COLUMN date TEXT NOT NULL DEFAULT '';
	ALTER TABLE fulltext ADD COLUMN rules TEXT NOT NULL DEFAULT '';`,
}

func init() {
	// refeed_key_hash(key) is keyHash(key), for the queries that find
	// items by the hashes of their keys and for migration 5.
	err := sqlite.RegisterDeterministicScalarFunction("refeed_key_hash", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		switch k := args[0].(type) {
		case string:
			return keyHash(k), nil
		case []byte:
			return keyHash(string(k)), nil
		case nil:
			return int64(0), nil
		}
		return nil, fmt.Errorf("refeed_key_hash of %T", args[0])
	})
	if err != nil {
		panic(err)
	}
}

// Open opens the store at path (see OpenSQLite).
func Open(path string) (Store, error) {
	s, err := OpenSQLite(path)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// OpenSQLite opens (creating if needed) the database at path, in WAL mode,
// and brings its schema up to date. An existing file is checked first (see
// checkFile), on a read-only connection: a damaged one is not opened for
// writing, and the error wraps ErrDamaged. Errors for want of space wrap
// syscall.ENOSPC (see DiskFullError).
func OpenSQLite(path string) (*SQLite, error) {
	return openSQLite(path, true)
}

// openSQLite is OpenSQLite, checking an existing file when check is set.
func openSQLite(path string, check bool) (*SQLite, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	checked := time.Now()
	if _, err := os.Stat(path); err == nil && check {
		// A file closed cleanly and unchanged since need not be read whole.
		if t := unseal(path, checked); !t.IsZero() {
			checked = t
		} else if err := checkFile(path); errors.Is(err, ErrDamaged) {
			return nil, fmt.Errorf("open store: %w", err) // it names the file
		} else if err != nil {
			return nil, fmt.Errorf("open store %s: %w", path, err)
		}
	}
	// The page cache is 16 MiB (SQLite's default is 2 MiB): saves insert
	// into indexes at random places, and with 500,000 items stored a
	// small cache reads most of those pages back from the file (10,000
	// sources × 50 items, cold: 58.6 -> 54.9 s, peak RSS 233 -> 261 MiB;
	// 32 MiB took RSS near 300 MiB for little more). Temporary
	// storage (savepoints' journals, Prune's tables, which hold only what
	// stays) stays in memory: a save's savepoint journal would otherwise
	// spill to a file. The WAL is copied into the database by a
	// checkpointer of its own (see checkpointer), on another connection,
	// so that saving does not wait for it; the writer checkpoints only as a
	// backstop, when the WAL reaches 40,000 pages (160 MB).
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-16384)&_pragma=wal_autocheckpoint(40000)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	s := &SQLite{db: db, path: path, checked: checked}
	// A damaged file found now stays open (see Close).
	fail := func(err error) (*SQLite, error) {
		err = s.check(err)
		if s.Damaged() == nil {
			db.Close()
		}
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if err := s.migrate(); err != nil {
		return fail(err)
	}
	if err := s.prepare(); err != nil {
		return fail(err)
	}
	if s.ckpt, err = newCheckpointer(path, s.Damaged, s.check); err != nil {
		return fail(err)
	}
	s.startWriter()
	return s, nil
}

// Path returns the database file's path.
func (s *SQLite) Path() string { return s.path }

// Close waits for the saves under way, stops the writer and closes the
// database. Saves after Close fail; later calls of Close return what the
// first returned. A damaged store's connections stay open, until the
// process exits: SQLite's last connection closing would copy the WAL into
// the damaged file.
func (s *SQLite) Close() error {
	s.closeOnce.Do(func() {
		s.closeMu.Lock()
		s.closed = true
		s.closeMu.Unlock()
		s.inflight.Wait()
		s.stopWriter()
		if s.Damaged() != nil {
			if s.ckpt != nil {
				s.ckpt.stopRunning()
			}
			return
		}
		var cerr error
		if s.ckpt != nil {
			cerr = s.ckpt.close()
		}
		for _, st := range s.prepared {
			st.Close()
		}
		s.closeErr = errors.Join(s.db.Close(), cerr)
		// Closed cleanly (the WAL copied into the file and removed): the
		// next open may spare checking every page. Without a seal (it
		// could not be written), the next open checks.
		if s.closeErr == nil && s.Damaged() == nil {
			_ = seal(s.path, s.checked)
		}
	})
	return s.closeErr
}

// DB returns the underlying database, for checks such as
// PRAGMA integrity_check.
func (s *SQLite) DB() *sql.DB { return s.db }

func (s *SQLite) migrate() error {
	ctx := context.Background()
	var version int
	if err := s.db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if version > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this refeed knows (%d)", version, len(migrations))
	}
	for v := version; v < len(migrations); v++ {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %d: %w", v+1, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, v+1)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %d: %w", v+1, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %d: %w", v+1, err)
		}
	}
	return nil
}

// Version returns the schema version of the open database.
func (s *SQLite) Version(ctx context.Context) (int, error) {
	var v int
	err := s.db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v)
	return v, err
}

// sourceCols are the columns of a source's state that Source and Sources
// read (after its name).
const sourceCols = `url, title, link, etag, last_modified, hash, last_attempt, last_success, last_error, failures, next_attempt, next_due`

// scanSourceRow scans the columns sourceCols, after the name when name is
// set, into st.
func scanSourceRow(row interface{ Scan(...any) error }, st *SourceState, name *string) error {
	var attempt, success, next int64
	var due sql.NullInt64
	dest := []any{&st.URL, &st.Title, &st.Link, &st.ETag, &st.LastModified, &st.Hash, &attempt, &success, &st.LastError, &st.Failures, &next, &due}
	if name != nil {
		dest = append([]any{name}, dest...)
	}
	if err := row.Scan(dest...); err != nil {
		return err
	}
	st.LastAttempt, st.LastSuccess, st.NextAttempt, st.NextDue = fromUnix(attempt), fromUnix(success), fromUnix(next), fromUnix(due.Int64)
	return nil
}

// Source returns the state of the named source; a source never fetched
// has a zero state with its name.
func (s *SQLite) Source(ctx context.Context, name string) (_ SourceState, err error) {
	if err = s.Damaged(); err != nil {
		return
	}
	defer s.classify(&err)
	st := SourceState{Name: name}
	err = scanSourceRow(s.db.QueryRowContext(ctx, `SELECT `+sourceCols+` FROM sources WHERE name = ?`, name), &st, nil)
	if errors.Is(err, sql.ErrNoRows) {
		return SourceState{Name: name}, nil
	}
	if err != nil {
		return SourceState{Name: name}, fmt.Errorf("read source %s: %w", name, err)
	}
	return st, nil
}

// Sources returns the state of every source the store knows.
func (s *SQLite) Sources(ctx context.Context) (_ []SourceState, err error) {
	if err = s.Damaged(); err != nil {
		return
	}
	defer s.classify(&err)
	rows, err := s.db.QueryContext(ctx, `SELECT name, `+sourceCols+` FROM sources ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("read sources: %w", err)
	}
	defer rows.Close()
	var out []SourceState
	for rows.Next() {
		var st SourceState
		if err := scanSourceRow(rows, &st, &st.Name); err != nil {
			return nil, fmt.Errorf("read sources: %w", err)
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// PutSource records the state of a source; one whose Lease is set only
// while the source is still so claimed (see Lease).
func (s *SQLite) PutSource(ctx context.Context, st SourceState) (err error) {
	if err = s.Damaged(); err != nil {
		return
	}
	defer s.classify(&err)
	lost, err := s.putSources(ctx, []SourceState{st})
	if err == nil && len(lost) > 0 {
		err = ErrLeaseLost
	}
	if err != nil {
		return fmt.Errorf("write source %s: %w", st.Name, err)
	}
	return nil
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// qPutSource records the state of a source.
const qPutSource = `INSERT INTO sources (name, url, title, link, etag, last_modified, hash, last_attempt, last_success, last_error, failures, next_attempt)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT(name) DO UPDATE SET url = excluded.url, title = excluded.title, link = excluded.link, etag = excluded.etag,
		last_modified = excluded.last_modified, hash = excluded.hash, last_attempt = excluded.last_attempt,
		last_success = excluded.last_success, last_error = excluded.last_error, failures = excluded.failures,
		next_attempt = excluded.next_attempt`

func putSource(ctx context.Context, db execer, st SourceState) error {
	_, err := db.ExecContext(ctx, qPutSource,
		st.Name, st.URL, st.Title, st.Link, st.ETag, st.LastModified, st.Hash,
		toUnix(st.LastAttempt), toUnix(st.LastSuccess), st.LastError, st.Failures, toUnix(st.NextAttempt))
	return err
}

// qEndLease ends a claim, when it is still the writer's (see Lease): the
// source is next due at ?2, or at once (?1) when SyncSources made it due
// while it was leased.
const qEndLease = `UPDATE sources SET next_due = CASE WHEN rerun THEN ?1 ELSE ?2 END, lease_owner = '', rerun = 0
	WHERE name = ?3 AND gen = ?4 AND lease_owner = ?5 AND lease_owner != '' AND configured`

// endLease ends the claim of st.Lease at now, in the transaction q: it
// returns ErrLeaseLost, having changed nothing, when the source is no
// longer so claimed.
func endLease(ctx context.Context, q execer, st SourceState, now time.Time) error {
	l := st.Lease
	res, err := q.ExecContext(ctx, qEndLease, now.UnixNano(), nullUnix(leaseNext(l, now)), st.Name, l.Gen, l.Owner)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return ErrLeaseLost
	}
	return nil
}

// nullUnix returns t in Unix nanoseconds, NULL for the zero time.
func nullUnix(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixNano(), Valid: true}
}

// Meta returns a stored setting, or "" when unset.
func (s *SQLite) Meta(ctx context.Context, key string) (_ string, err error) {
	if err = s.Damaged(); err != nil {
		return
	}
	defer s.classify(&err)
	var v string
	err = s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read meta %s: %w", key, err)
	}
	return v, nil
}

// SetMeta stores a setting.
func (s *SQLite) SetMeta(ctx context.Context, key, value string) (err error) {
	if err = s.Damaged(); err != nil {
		return
	}
	defer s.classify(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	// Every writer holds s.mu: the term checked holds for the write.
	if err := checkTerm(ctx, s.db); err != nil {
		return fmt.Errorf("write meta %s: %w", key, err)
	}
	if _, err := s.db.ExecContext(ctx, `INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)`, key, value); err != nil {
		return fmt.Errorf("write meta %s: %w", key, err)
	}
	return nil
}

func toUnix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnix(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// PutSources records the states of several sources in one transaction.
// A state whose Lease is lost is left out (see Lease); the others are
// written, and the error wraps ErrLeaseLost.
func (s *SQLite) PutSources(ctx context.Context, states []SourceState) (err error) {
	if err = s.Damaged(); err != nil {
		return
	}
	defer s.classify(&err)
	if len(states) == 0 {
		return nil
	}
	lost, err := s.putSources(ctx, states)
	if err != nil {
		return fmt.Errorf("write sources: %w", err)
	}
	return lostError(lost)
}

// putSources writes states in one transaction, but for those whose lease
// is lost, which it returns.
func (s *SQLite) putSources(ctx context.Context, states []SourceState) (lost []string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tx, err := s.begin(ctx) // qPutSource prepared once, not per state
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	now := time.Now()
	for _, st := range states {
		if st.Lease != nil {
			if err := endLease(ctx, tx, st, now); errors.Is(err, ErrLeaseLost) {
				lost = append(lost, st.Name)
				continue
			} else if err != nil {
				return nil, fmt.Errorf("source %s: %w", st.Name, err)
			}
		}
		if err := putSource(ctx, tx, st); err != nil {
			return nil, fmt.Errorf("source %s: %w", st.Name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return lost, nil
}

var _ Store = (*SQLite)(nil)
