package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// The PostgreSQL store coordinates the instances sharing it (see Cluster,
// migration 2) by the server's clock, now(): a time every instance reads
// the same, however far their own clocks drift.

// pgMicros is the SQL of a duration given in microseconds as $n.
func pgMicros(n int) string {
	return fmt.Sprintf("($%d::bigint * interval '1 microsecond')", n)
}

// Now returns the store's clock: the server's.
func (p *Postgres) Now(ctx context.Context) (time.Time, error) {
	var now time.Time
	if err := p.pool.QueryRow(ctx, `SELECT now()`).Scan(&now); err != nil {
		return time.Time{}, fmt.Errorf("read the store's clock: %w", err)
	}
	return now.UTC(), nil
}

// pgSyncSources records configured sources (see qSyncSource, SQLite's):
// a new one, or one whose digest changed (or every one not backing off
// after failures, with $4), is due at once, or, when it is leased, once
// its lease ends (rerun).
const pgSyncSources = `INSERT INTO sources AS s (name, url, title, link, etag, last_modified, hash, last_attempt, last_success, last_error, failures, next_attempt,
		host, digest, configured, next_due)
	SELECT n, '', '', '', '', '', '', 0, 0, '', 0, 0, h, d, true, now() FROM unnest($1::text[], $2::bytea[], $3::text[]) AS u(n, h, d)
	ON CONFLICT (name) DO UPDATE SET host = excluded.host, digest = excluded.digest, configured = true,
		next_due = CASE WHEN (($4 AND s.next_attempt <= (extract(epoch FROM now()) * 1000000000)::bigint) OR s.digest <> excluded.digest OR s.next_due IS NULL) AND NOT (s.lease_owner <> '' AND s.next_due > now())
			THEN least(s.next_due, now()) ELSE s.next_due END,
		rerun = s.rerun OR ((($4 AND s.next_attempt <= (extract(epoch FROM now()) * 1000000000)::bigint) OR s.digest <> excluded.digest) AND s.lease_owner <> '' AND s.next_due > now())`

// SyncSources makes the configured sources those of scheds (see Cluster).
// Two at once wait for each other (an advisory lock), and the rows are
// written in the order of their names.
func (p *Postgres) SyncSources(ctx context.Context, scheds []Schedule, all bool) error {
	scheds = slices.Clone(lastSchedules(scheds))
	slices.SortFunc(scheds, func(a, b Schedule) int { return strings.Compare(a.Name, b.Name) })
	names, hosts, digests := make([]string, len(scheds)), make([][]byte, len(scheds)), make([]string, len(scheds))
	for i, sc := range scheds {
		names[i], hosts[i], digests[i] = sc.Name, pgBytes(sc.Host), sc.Digest
	}
	var inserted int
	err := p.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, pgLockClass, pgLockSync); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		if len(names) > 0 {
			// xmax is 0 in a row version an INSERT made (not an update
			// of a conflicting row).
			q := `WITH u AS (` + pgSyncSources + ` RETURNING (s.xmax = 0) AS inserted) SELECT count(*) FILTER (WHERE inserted) FROM u`
			if err := tx.QueryRow(ctx, q, names, hosts, digests, all).Scan(&inserted); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `UPDATE sources SET configured = false WHERE configured AND NOT (name = ANY($1::text[]))`, names)
		return err
	})
	if err != nil {
		return fmt.Errorf("sync sources: %w", err)
	}
	if inserted >= pgAnalyzeInserted {
		// Until autovacuum analyzes the table, the planner knows nothing
		// of the new rows: it then reads the leased sources of a claim
		// with a per-host limit by a scan of the whole table (97 ms a
		// claim measured at 1,000,000 sources) instead of their partial
		// index (0.07 ms).
		if _, err := p.pool.Exec(ctx, `ANALYZE sources`); err != nil {
			return fmt.Errorf("sync sources: analyze: %w", err)
		}
	}
	return nil
}

// pgAnalyzeInserted is how many sources one SyncSources inserts before it
// analyzes the table.
const pgAnalyzeInserted = 1000

// pgClaim claims, for $2 microseconds, to $3, up to $1 configured sources
// that are due, the longest due first, skipping those another claim is
// taking: the claims of several instances never wait for each other.
var pgClaim = `WITH c AS (SELECT name FROM sources WHERE configured AND next_due <= now() ORDER BY next_due, name LIMIT $1 FOR UPDATE SKIP LOCKED)
	UPDATE sources s SET next_due = now() + ` + pgMicros(2) + `, lease_owner = $3, gen = s.gen + 1, rerun = false
	FROM c WHERE s.name = c.name RETURNING s.name, s.gen`

// pgClaimNamed claims, as pgClaim does, the sources named $1 that are
// still due.
var pgClaimNamed = `WITH c AS (SELECT name FROM sources WHERE name = ANY($1::text[]) AND configured AND next_due <= now() FOR UPDATE SKIP LOCKED)
	UPDATE sources s SET next_due = now() + ` + pgMicros(2) + `, lease_owner = $3, gen = s.gen + 1, rerun = false
	FROM c WHERE s.name = c.name RETURNING s.name, s.gen`

// Claim leases to owner up to n due sources (see Cluster).
//
// With a per-host limit, a claim first reads the sources it could claim
// (those of hosts at their limit left out), then locks their hosts
// (advisory locks, sorted, held until commit), counts the sources of
// each that are leased now, and only then claims what the limit leaves:
// a claim of the same host waits for the lock, and then counts this
// claim's leases too. Sources another claim took meanwhile are no longer
// due, and so not claimed again.
func (p *Postgres) Claim(ctx context.Context, owner string, n int, lease time.Duration, perHost int) ([]Claim, time.Duration, error) {
	if err := checkClaim(owner, lease); err != nil {
		return nil, 0, fmt.Errorf("claim sources: %w", err)
	}
	var claims []Claim
	err := p.inTx(ctx, func(tx pgx.Tx) error {
		claims = nil
		if n <= 0 {
			return nil
		}
		var rows pgx.Rows
		var err error
		if perHost <= 0 {
			rows, err = tx.Query(ctx, pgClaim, n, lease.Microseconds(), owner)
		} else {
			var names []string
			if names, err = pgPerHost(ctx, tx, n, perHost); err != nil || len(names) == 0 {
				return err
			}
			rows, err = tx.Query(ctx, pgClaimNamed, names, lease.Microseconds(), owner)
		}
		if err != nil {
			return err
		}
		claims, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Claim, error) {
			var c Claim
			err := row.Scan(&c.Name, &c.Gen)
			return c, err
		})
		return err
	})
	var next time.Duration
	if err == nil {
		// After the claim's transaction: it holds no lock meanwhile.
		next, err = p.nextDue(ctx)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("claim sources: %w", err)
	}
	return claims, next, nil
}

// nextDue returns how long until the next configured source that is not
// leased becomes due: 0 when one is due, -1 when there is none.
func (p *Postgres) nextDue(ctx context.Context) (time.Duration, error) {
	var due *time.Time
	var now time.Time
	err := p.pool.QueryRow(ctx, `SELECT (SELECT next_due FROM sources WHERE configured AND next_due IS NOT NULL AND (lease_owner = '' OR next_due <= now())
		ORDER BY next_due LIMIT 1), now()`).Scan(&due, &now)
	if err != nil {
		return 0, err
	}
	if due == nil {
		return -1, nil
	}
	return max(due.Sub(now), 0), nil
}

// pgMaxHostLocks is the most hosts one claim locks.
const pgMaxHostLocks = 128

// pgPerHost returns the sources a claim of up to n takes with no more
// than perHost of a host leased at once, having locked their hosts (see
// Claim).
func pgPerHost(ctx context.Context, tx pgx.Tx, n, perHost int) ([]string, error) {
	// The hosts at their limit (read without a lock: only to read fewer
	// candidates; the count that decides comes under the lock).
	full, err := pgBytesRows(ctx, tx, `SELECT host FROM sources WHERE lease_owner <> '' AND next_due > now() GROUP BY host HAVING count(*) >= $1`, perHost)
	if err != nil {
		return nil, fmt.Errorf("hosts: %w", err)
	}
	rows, err := tx.Query(ctx, `SELECT name, host FROM sources WHERE configured AND next_due <= now() AND NOT (host = ANY($1::bytea[]))
		ORDER BY next_due, name LIMIT $2`, full, 8*n+128)
	if err != nil {
		return nil, fmt.Errorf("due sources: %w", err)
	}
	type candidate struct {
		name, host string
	}
	var cands []candidate
	perCand := map[string]int{}
	for rows.Next() {
		var name string
		var host []byte
		if err := rows.Scan(&name, &host); err != nil {
			rows.Close()
			return nil, err
		}
		// Twice as many as may be claimed, as some may be taken meanwhile.
		if len(cands) >= 2*n {
			break
		}
		h := string(host)
		if perCand[h] >= perHost {
			continue
		}
		if _, ok := perCand[h]; !ok && len(perCand) >= pgMaxHostLocks {
			continue
		}
		perCand[h]++
		cands = append(cands, candidate{name, h})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("due sources: %w", err)
	}
	if len(cands) == 0 {
		return nil, nil
	}
	hosts := make([]string, 0, len(perCand))
	keys := make([]int32, 0, len(perCand))
	for h := range perCand {
		hosts = append(hosts, h)
		keys = append(keys, hostLockKey(h))
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	if _, err := tx.Exec(ctx, `SELECT count(pg_advisory_xact_lock($1, k)) FROM unnest($2::integer[]) AS k`, pgLockHosts, keys); err != nil {
		return nil, fmt.Errorf("lock hosts: %w", err)
	}
	leased := map[string]int{}
	rows, err = tx.Query(ctx, `SELECT host, count(*) FROM sources WHERE host = ANY($1::bytea[]) AND lease_owner <> '' AND next_due > now() GROUP BY host`, pgBytesList(hosts))
	if err != nil {
		return nil, fmt.Errorf("count leases: %w", err)
	}
	for rows.Next() {
		var host []byte
		var k int
		if err := rows.Scan(&host, &k); err != nil {
			rows.Close()
			return nil, err
		}
		leased[string(host)] = k
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count leases: %w", err)
	}
	var names []string
	for _, c := range cands {
		if len(names) == n {
			break
		}
		if leased[c.host] < perHost {
			leased[c.host]++
			names = append(names, c.name)
		}
	}
	return names, nil
}

// hostLockKey returns the second key of a host's lock (see pgLockHosts).
func hostLockKey(host string) int32 {
	h := uint64(keyHash(host))
	return int32(h ^ h>>32)
}

// pgBytesRows returns the first column, bytea, of a query's rows.
func pgBytesRows(ctx context.Context, tx pgx.Tx, query string, args ...any) ([][]byte, error) {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if out == nil {
		out = [][]byte{}
	}
	return out, err
}

// Renew extends owner's claim c to lease from now.
func (p *Postgres) Renew(ctx context.Context, owner string, c Claim, lease time.Duration) error {
	if err := checkClaim(owner, lease); err != nil {
		return fmt.Errorf("renew the claim of %s: %w", c.Name, err)
	}
	err := p.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE sources SET next_due = now() + `+pgMicros(1)+` WHERE name = $2 AND gen = $3 AND lease_owner = $4 AND configured`,
			lease.Microseconds(), c.Name, c.Gen, owner)
		if err == nil && tag.RowsAffected() == 0 {
			err = ErrLeaseLost
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("renew the claim of %s: %w", c.Name, err)
	}
	return nil
}

// Release gives owner's claim c back: the source is due at once.
func (p *Postgres) Release(ctx context.Context, owner string, c Claim) error {
	err := p.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE sources SET next_due = now(), lease_owner = '', rerun = false
			WHERE name = $1 AND gen = $2 AND lease_owner = $3 AND lease_owner <> ''`, c.Name, c.Gen, owner)
		return err
	})
	if err != nil {
		return fmt.Errorf("release the claim of %s: %w", c.Name, err)
	}
	return nil
}

// Lead records c's instance and makes it the leader when it may (see
// Cluster). Taking or renewing the lead waits for the fenced changes
// under way (they lock the leader's row, see fencedTx).
func (p *Postgres) Lead(ctx context.Context, c Candidate) (Leader, error) {
	if c.Owner == "" || c.Candidate && c.TTL <= 0 {
		return Leader{}, fmt.Errorf("lead: owner %q, ttl %v", c.Owner, c.TTL)
	}
	var l Leader
	err := p.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO instances (name, hash, seen) VALUES ($1, $2, now())
			ON CONFLICT (name) DO UPDATE SET hash = excluded.hash, seen = excluded.seen`, c.Owner, c.Hash); err != nil {
			return err
		}
		if c.Candidate {
			// A new leader starts a new term; a renewal keeps it.
			if _, err := tx.Exec(ctx, `INSERT INTO leader AS l (id, owner, term, hash, expires) VALUES (true, $1, 1, $2, now() + `+pgMicros(3)+`)
				ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, hash = excluded.hash, expires = excluded.expires,
					term = CASE WHEN l.owner = excluded.owner THEN l.term ELSE l.term + 1 END
				WHERE l.owner = excluded.owner OR l.expires <= now()`, c.Owner, c.Hash, c.TTL.Microseconds()); err != nil {
				return err
			}
		}
		var valid bool
		err := tx.QueryRow(ctx, `SELECT owner, term, hash, expires > now() FROM leader`).Scan(&l.Owner, &l.Term, &l.Hash, &valid)
		if errors.Is(err, pgx.ErrNoRows) || err == nil && !valid {
			l = Leader{}
			return nil
		}
		l.Self = l.Owner == c.Owner
		return err
	})
	if err != nil {
		return Leader{}, fmt.Errorf("lead: %w", err)
	}
	return l, nil
}

// Resign ends owner's lead, when it leads.
func (p *Postgres) Resign(ctx context.Context, owner string) error {
	err := p.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE leader SET expires = now() WHERE owner = $1 AND expires > now()`, owner)
		return err
	})
	if err != nil {
		return fmt.Errorf("resign: %w", err)
	}
	return nil
}

// Instances returns the instances seen within the last since, by name.
func (p *Postgres) Instances(ctx context.Context, since time.Duration) ([]Instance, error) {
	rows, err := p.pool.Query(ctx, `SELECT name, hash, seen FROM instances WHERE seen >= now() - `+pgMicros(1)+` ORDER BY name`, since.Microseconds())
	if err != nil {
		return nil, fmt.Errorf("read instances: %w", err)
	}
	defer rows.Close()
	var out []Instance
	for rows.Next() {
		var in Instance
		if err := rows.Scan(&in.Name, &in.Hash, &in.Seen); err != nil {
			return nil, fmt.Errorf("read instances: %w", err)
		}
		in.Seen = in.Seen.UTC()
		out = append(out, in)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read instances: %w", err)
	}
	return out, nil
}

// pgRenderedChannel is the channel of the notifications of PutRendered.
const pgRenderedChannel = "refeed_rendered"

// PutRendered stores the rendered feeds, fenced by the term ctx carries.
// Their versions are numbered under a lock held until commit, so that
// versions commit in their order: a reader that saw a version has seen
// every lower one (see Rendered). Every instance listening is notified
// at commit.
func (p *Postgres) PutRendered(ctx context.Context, feeds []RenderedFeed) error {
	if _, ok := termOf(ctx); !ok {
		return fmt.Errorf("store rendered feeds: %w (no term)", ErrNotLeader)
	}
	err := p.fencedTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, pgLockClass, pgLockRender); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		for _, f := range feeds {
			formats := make([]string, 0, len(f.Docs))
			for format := range f.Docs {
				formats = append(formats, format)
			}
			slices.Sort(formats)
			docs, etags := make([][]byte, len(formats)), make([][]byte, len(formats))
			for i, format := range formats {
				docs[i], etags[i] = append([]byte{}, f.Docs[format]...), pgBytes(f.ETags[format])
			}
			if _, err := tx.Exec(ctx, `INSERT INTO rendered (slug, title, items, updated, private, formats, docs, etags, version)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, nextval('rendered_seq'))
				ON CONFLICT (slug) DO UPDATE SET title = excluded.title, items = excluded.items, updated = excluded.updated,
					private = excluded.private, formats = excluded.formats, docs = excluded.docs, etags = excluded.etags, version = excluded.version`,
				f.Slug, pgBytes(f.Title), f.Items, toUnix(f.Updated), f.Private, formats, docs, etags); err != nil {
				return fmt.Errorf("%s: %w", f.Slug, err)
			}
		}
		_, err := tx.Exec(ctx, `SELECT pg_notify($1, '')`, pgRenderedChannel)
		return err
	})
	if err != nil {
		return fmt.Errorf("store rendered feeds: %w", err)
	}
	return nil
}

// Rendered returns the rendered feeds of versions above after, and the
// greatest version stored. It reads the greatest version first, then the
// feeds up to it: versions commit in their order (see PutRendered), so
// none up to it is missing, and a feed rendered again since is read at
// its next version by the next call.
func (p *Postgres) Rendered(ctx context.Context, after int64) ([]RenderedFeed, int64, error) {
	var last int64
	if err := p.pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM rendered`).Scan(&last); err != nil {
		return nil, 0, fmt.Errorf("read rendered feeds: %w", err)
	}
	rows, err := p.pool.Query(ctx, `SELECT slug, title, items, updated, private, formats, docs, etags, version FROM rendered
		WHERE version > $1 AND version <= $2 ORDER BY slug`, after, last)
	if err != nil {
		return nil, 0, fmt.Errorf("read rendered feeds: %w", err)
	}
	defer rows.Close()
	var feeds []RenderedFeed
	for rows.Next() {
		var f RenderedFeed
		var title []byte
		var updated int64
		var formats []string
		var docs, etags [][]byte
		if err := rows.Scan(&f.Slug, &title, &f.Items, &updated, &f.Private, &formats, &docs, &etags, &f.Version); err != nil {
			return nil, 0, fmt.Errorf("read rendered feeds: %w", err)
		}
		if len(docs) != len(formats) || len(etags) != len(formats) {
			return nil, 0, fmt.Errorf("read rendered feeds: %s: %d formats, %d documents, %d entity tags", f.Slug, len(formats), len(docs), len(etags))
		}
		f.Title, f.Updated = string(title), fromUnix(updated)
		f.Docs, f.ETags = make(map[string][]byte, len(formats)), make(map[string]string, len(formats))
		for i, format := range formats {
			f.Docs[format], f.ETags[format] = docs[i], string(etags[i])
		}
		feeds = append(feeds, f)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("read rendered feeds: %w", err)
	}
	return feeds, last, nil
}

// RenderedChanged returns a channel that receives a value when any
// instance rendered feeds, until ctx ends or the store is closed (see
// Cluster). It listens (LISTEN) on a connection of its own, taken from the
// pool, before it returns, when the server can be reached; the connection
// dropped, it connects again, backing off, and sends a value once
// connected (notifications may have been missed meanwhile).
func (p *Postgres) RenderedChanged(ctx context.Context) <-chan struct{} {
	ch := make(chan struct{}, 1)
	p.closeMu.RLock()
	if p.closed {
		p.closeMu.RUnlock()
		return ch
	}
	p.listeners.Add(1) // Close waits for it, having canceled p.closing
	p.closeMu.RUnlock()
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(p.closing, cancel)
	first, cancelFirst := context.WithTimeout(ctx, listenFirstTimeout)
	conn, _ := p.listen(first) // failing, it is tried again below
	cancelFirst()
	go func() {
		defer p.listeners.Done()
		defer stop()
		defer cancel()
		p.notify(ctx, conn, ch)
	}()
	return ch
}

// The backoff of a listener connecting again, and how long RenderedChanged
// waits for its first connection.
const (
	listenFirstTimeout = 10 * time.Second

	listenBackoffMin = 100 * time.Millisecond
	listenBackoffMax = 10 * time.Second
)

// listen returns a connection of its own, out of the pool, that listens for
// rendered feeds.
func (p *Postgres) listen(ctx context.Context) (*pgx.Conn, error) {
	pc, err := p.pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	conn := pc.Hijack()
	if _, err := conn.Exec(ctx, `LISTEN `+pgRenderedChannel); err != nil {
		closeConn(conn)
		return nil, err
	}
	return conn, nil
}

// closeConn closes a listener's connection, not waiting long for a server
// that is gone.
func closeConn(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	conn.Close(ctx)
}

// notify sends a value on ch for every notification conn receives (and
// for every new connection but the first), connecting again when conn is
// nil or drops, until ctx ends.
func (p *Postgres) notify(ctx context.Context, conn *pgx.Conn, ch chan<- struct{}) {
	signal := func() {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	backoff := listenBackoffMin
	for {
		if conn == nil {
			var err error
			if conn, err = p.listen(ctx); err != nil {
				if ctx.Err() != nil {
					return
				}
				select {
				case <-time.After(backoff):
				case <-ctx.Done():
					return
				}
				backoff = min(2*backoff, listenBackoffMax)
				continue
			}
			backoff = listenBackoffMin
			signal()
		}
		if _, err := conn.WaitForNotification(ctx); err != nil {
			closeConn(conn)
			conn = nil
			if ctx.Err() != nil {
				return
			}
			continue
		}
		signal()
	}
}

// ClaimAlert leases the deliveries of the alert with the given key to
// owner for lease, unless another owner holds them: one statement, of
// which two at once on one key insert or update once (the second waits
// for the first and finds the row held).
func (p *Postgres) ClaimAlert(ctx context.Context, key, owner string, lease time.Duration) (bool, error) {
	if err := checkClaim(owner, lease); err != nil {
		return false, fmt.Errorf("claim alert %s: %w", key, err)
	}
	var claimed bool
	err := p.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO alert_leases AS a (alert_key, owner, expires) VALUES ($1, $2, now() + `+pgMicros(3)+`)
			ON CONFLICT (alert_key) DO UPDATE SET owner = excluded.owner, expires = excluded.expires
			WHERE a.owner = excluded.owner OR a.expires <= now()`, key, owner, lease.Microseconds())
		claimed = err == nil && tag.RowsAffected() == 1
		return err
	})
	if err != nil {
		return false, fmt.Errorf("claim alert %s: %w", key, err)
	}
	return claimed, nil
}

// ReleaseAlert ends owner's lease of the alert's deliveries.
func (p *Postgres) ReleaseAlert(ctx context.Context, key, owner string) error {
	err := p.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM alert_leases WHERE alert_key = $1 AND owner = $2`, key, owner)
		return err
	})
	if err != nil {
		return fmt.Errorf("release alert %s: %w", key, err)
	}
	return nil
}
