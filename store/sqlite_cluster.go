package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// The SQLite store implements Cluster for the one process that opens it
// (migration 7): the same calls, with the same results, as PostgreSQL's,
// so that one instance runs the same code as several. Its clock is the
// machine's; its times are Unix nanoseconds. Every change holds s.mu, as
// every writer does, so a term checked (checkTerm) holds for the change
// made under it.

// Now returns the store's clock: the machine's.
func (s *SQLite) Now(context.Context) (time.Time, error) {
	return time.Now(), nil
}

// qSyncSource records a configured source (?1 to ?3) at ?4: a new one, or
// one whose digest changed (or every one not backing off after failures,
// with ?5), is due at once, or, when it is leased, once its lease ends
// (rerun). In an upsert's SET, the columns are the stored row's, before
// the update.
const qSyncSource = `INSERT INTO sources (name, host, digest, configured, next_due) VALUES (?1, ?2, ?3, 1, ?4)
	ON CONFLICT(name) DO UPDATE SET host = excluded.host, digest = excluded.digest, configured = 1,
		next_due = CASE WHEN ((?5 AND next_attempt <= ?4) OR digest != excluded.digest OR next_due IS NULL) AND NOT (lease_owner != '' AND next_due > ?4)
			THEN min(coalesce(next_due, ?4), ?4) ELSE next_due END,
		rerun = rerun OR (((?5 AND next_attempt <= ?4) OR digest != excluded.digest) AND lease_owner != '' AND next_due > ?4)`

// SyncSources makes the configured sources those of scheds (see Cluster).
func (s *SQLite) SyncSources(ctx context.Context, scheds []Schedule, all bool) (err error) {
	if err = s.Damaged(); err != nil {
		return
	}
	defer s.classify(&err)
	scheds = lastSchedules(scheds)
	names := make([]string, len(scheds))
	for i, sc := range scheds {
		names[i] = sc.Name
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now().UnixNano()
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		for _, sc := range scheds {
			if _, err := tx.ExecContext(ctx, qSyncSource, sc.Name, sc.Host, sc.Digest, now, all); err != nil {
				return fmt.Errorf("source %s: %w", sc.Name, err)
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE sources SET configured = 0 WHERE configured AND name NOT IN (SELECT value FROM json_each(?))`, jsonStrings(names))
		return err
	})
	if err != nil {
		return fmt.Errorf("sync sources: %w", err)
	}
	return nil
}

// Claim leases to owner up to n due sources (see Cluster).
func (s *SQLite) Claim(ctx context.Context, owner string, n int, lease time.Duration, perHost int) (_ []Claim, _ time.Duration, err error) {
	if err := checkClaim(owner, lease); err != nil {
		return nil, 0, fmt.Errorf("claim sources: %w", err)
	}
	if err = s.Damaged(); err != nil {
		return
	}
	defer s.classify(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	var claims []Claim
	next := time.Duration(-1)
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		now := time.Now().UnixNano()
		if n > 0 {
			names, err := s.dueSources(ctx, tx, now, n, perHost)
			if err != nil {
				return err
			}
			for _, name := range names {
				c := Claim{Name: name}
				if err := tx.QueryRowContext(ctx, `UPDATE sources SET next_due = ?, lease_owner = ?, gen = gen + 1, rerun = 0 WHERE name = ? RETURNING gen`,
					now+int64(lease), owner, name).Scan(&c.Gen); err != nil {
					return err
				}
				claims = append(claims, c)
			}
		}
		var due sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT min(next_due) FROM sources WHERE configured AND (lease_owner = '' OR next_due <= ?)`, now).Scan(&due); err != nil {
			return err
		}
		if due.Valid {
			next = max(time.Duration(due.Int64-now), 0)
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("claim sources: %w", err)
	}
	return claims, next, nil
}

// dueSources returns up to n sources due at now, the longest due first,
// with no more than perHost of a host leased (when perHost > 0).
func (s *SQLite) dueSources(ctx context.Context, tx *sql.Tx, now int64, n, perHost int) ([]string, error) {
	leased := map[string]int{}
	if perHost > 0 {
		rows, err := tx.QueryContext(ctx, `SELECT host, count(*) FROM sources WHERE lease_owner != '' AND next_due > ? GROUP BY host`, now)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var host string
			var k int
			if err := rows.Scan(&host, &k); err != nil {
				rows.Close()
				return nil, err
			}
			leased[host] = k
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	q, args := `SELECT name, host FROM sources WHERE configured AND next_due <= ? ORDER BY next_due, name`, []any{now}
	if perHost <= 0 {
		q, args = q+` LIMIT ?`, append(args, n)
	}
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for len(names) < n && rows.Next() {
		var name, host string
		if err := rows.Scan(&name, &host); err != nil {
			return nil, err
		}
		if perHost > 0 {
			if leased[host] >= perHost {
				continue
			}
			leased[host]++
		}
		names = append(names, name)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return names, rows.Close()
}

// Renew extends owner's claim c to lease from now.
func (s *SQLite) Renew(ctx context.Context, owner string, c Claim, lease time.Duration) (err error) {
	if err := checkClaim(owner, lease); err != nil {
		return fmt.Errorf("renew the claim of %s: %w", c.Name, err)
	}
	if err = s.Damaged(); err != nil {
		return
	}
	defer s.classify(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	res, err := s.db.ExecContext(ctx, `UPDATE sources SET next_due = ? WHERE name = ? AND gen = ? AND lease_owner = ? AND configured`,
		time.Now().UnixNano()+int64(lease), c.Name, c.Gen, owner)
	if err == nil {
		err = lostUnlessOne(res)
	}
	if err != nil {
		return fmt.Errorf("renew the claim of %s: %w", c.Name, err)
	}
	return nil
}

// lostUnlessOne returns ErrLeaseLost unless res changed a row.
func lostUnlessOne(res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrLeaseLost
	}
	return nil
}

// Release gives owner's claim c back: the source is due at once.
func (s *SQLite) Release(ctx context.Context, owner string, c Claim) (err error) {
	if err = s.Damaged(); err != nil {
		return
	}
	defer s.classify(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.db.ExecContext(ctx, `UPDATE sources SET next_due = ?, lease_owner = '', rerun = 0 WHERE name = ? AND gen = ? AND lease_owner = ? AND lease_owner != ''`,
		time.Now().UnixNano(), c.Name, c.Gen, owner); err != nil {
		return fmt.Errorf("release the claim of %s: %w", c.Name, err)
	}
	return nil
}

// Lead records c's instance and makes it the leader when it may (see
// Cluster).
func (s *SQLite) Lead(ctx context.Context, c Candidate) (_ Leader, err error) {
	if c.Owner == "" || c.Candidate && c.TTL <= 0 {
		return Leader{}, fmt.Errorf("lead: owner %q, ttl %v", c.Owner, c.TTL)
	}
	if err = s.Damaged(); err != nil {
		return
	}
	defer s.classify(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	var l Leader
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		now := time.Now().UnixNano()
		if _, err := tx.ExecContext(ctx, `INSERT INTO instances (name, hash, seen) VALUES (?, ?, ?)
			ON CONFLICT(name) DO UPDATE SET hash = excluded.hash, seen = excluded.seen`, c.Owner, c.Hash, now); err != nil {
			return err
		}
		if c.Candidate {
			// A new leader starts a new term; a renewal keeps it.
			if _, err := tx.ExecContext(ctx, `INSERT INTO leader (id, owner, term, hash, expires) VALUES (1, ?1, 1, ?2, ?3)
				ON CONFLICT(id) DO UPDATE SET owner = excluded.owner, hash = excluded.hash, expires = excluded.expires,
					term = CASE WHEN owner = excluded.owner THEN term ELSE term + 1 END
				WHERE owner = excluded.owner OR expires <= ?4`, c.Owner, c.Hash, now+int64(c.TTL), now); err != nil {
				return err
			}
		}
		var expires int64
		err := tx.QueryRowContext(ctx, `SELECT owner, term, hash, expires FROM leader`).Scan(&l.Owner, &l.Term, &l.Hash, &expires)
		if errors.Is(err, sql.ErrNoRows) || err == nil && expires <= now {
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
func (s *SQLite) Resign(ctx context.Context, owner string) (err error) {
	if err = s.Damaged(); err != nil {
		return
	}
	defer s.classify(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now().UnixNano()
	if _, err := s.db.ExecContext(ctx, `UPDATE leader SET expires = ?1 WHERE owner = ?2 AND expires > ?1`, now, owner); err != nil {
		return fmt.Errorf("resign: %w", err)
	}
	return nil
}

// Instances returns the instances seen within the last since, by name.
func (s *SQLite) Instances(ctx context.Context, since time.Duration) (_ []Instance, err error) {
	if err = s.Damaged(); err != nil {
		return
	}
	defer s.classify(&err)
	rows, err := s.db.QueryContext(ctx, `SELECT name, hash, seen FROM instances WHERE seen >= ? ORDER BY name`, time.Now().Add(-since).UnixNano())
	if err != nil {
		return nil, fmt.Errorf("read instances: %w", err)
	}
	defer rows.Close()
	var out []Instance
	for rows.Next() {
		var in Instance
		var seen int64
		if err := rows.Scan(&in.Name, &in.Hash, &seen); err != nil {
			return nil, fmt.Errorf("read instances: %w", err)
		}
		in.Seen = fromUnix(seen)
		out = append(out, in)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read instances: %w", err)
	}
	return out, nil
}

// queryRower is what checkTerm queries: a database or a transaction.
type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// checkTerm returns ErrNotLeader when ctx carries a term (see WithTerm)
// that is not the current leader's, by q. The caller holds s.mu, which
// Lead takes too: the term holds until the caller's change is made.
func checkTerm(ctx context.Context, q queryRower) error {
	t, ok := termOf(ctx)
	if !ok {
		return nil
	}
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM leader WHERE owner = ? AND term = ? AND expires > ?`, t.owner, t.term, time.Now().UnixNano()).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotLeader
	}
	return err
}

// PutRendered stores the rendered feeds, fenced by the term ctx carries.
func (s *SQLite) PutRendered(ctx context.Context, feeds []RenderedFeed) (err error) {
	if _, ok := termOf(ctx); !ok {
		return fmt.Errorf("store rendered feeds: %w (no term)", ErrNotLeader)
	}
	if err = s.Damaged(); err != nil {
		return
	}
	defer s.classify(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if err := checkTerm(ctx, tx); err != nil {
			return err
		}
		var version int64
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM rendered`).Scan(&version); err != nil {
			return err
		}
		for _, f := range feeds {
			version++
			if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO rendered (slug, title, items, updated, private, version) VALUES (?, ?, ?, ?, ?, ?)`,
				f.Slug, f.Title, f.Items, toUnix(f.Updated), f.Private, version); err != nil {
				return fmt.Errorf("%s: %w", f.Slug, err)
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM rendered_docs WHERE slug = ?`, f.Slug); err != nil {
				return fmt.Errorf("%s: %w", f.Slug, err)
			}
			for format, doc := range f.Docs {
				if _, err := tx.ExecContext(ctx, `INSERT INTO rendered_docs (slug, format, doc, etag) VALUES (?, ?, ?, ?)`,
					f.Slug, format, append([]byte{}, doc...), f.ETags[format]); err != nil {
					return fmt.Errorf("%s: %w", f.Slug, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store rendered feeds: %w", err)
	}
	s.renderedChanged()
	return nil
}

// Rendered returns the rendered feeds of versions above after, and the
// greatest version stored.
func (s *SQLite) Rendered(ctx context.Context, after int64) (_ []RenderedFeed, _ int64, err error) {
	if err = s.Damaged(); err != nil {
		return
	}
	defer s.classify(&err)
	var feeds []RenderedFeed
	var last int64
	// One transaction: the feeds and their documents of one moment.
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM rendered`).Scan(&last); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT r.slug, r.title, r.items, r.updated, r.private, r.version, d.format, d.doc, d.etag
			FROM rendered r LEFT JOIN rendered_docs d ON d.slug = r.slug WHERE r.version > ? ORDER BY r.slug`, after)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var f RenderedFeed
			var updated int64
			var format, etag sql.NullString
			var doc []byte
			if err := rows.Scan(&f.Slug, &f.Title, &f.Items, &updated, &f.Private, &f.Version, &format, &doc, &etag); err != nil {
				return err
			}
			if len(feeds) == 0 || feeds[len(feeds)-1].Slug != f.Slug {
				f.Updated = fromUnix(updated)
				f.Docs, f.ETags = map[string][]byte{}, map[string]string{}
				feeds = append(feeds, f)
			}
			if format.Valid {
				last := &feeds[len(feeds)-1]
				last.Docs[format.String], last.ETags[format.String] = doc, etag.String
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, fmt.Errorf("read rendered feeds: %w", err)
	}
	return feeds, last, nil
}

// RenderedChanged returns a channel that receives a value when this store
// rendered feeds (one process: only it does), until ctx ends.
func (s *SQLite) RenderedChanged(ctx context.Context) <-chan struct{} {
	ch := make(chan struct{}, 1)
	s.subsMu.Lock()
	if s.subs == nil {
		s.subs = map[chan struct{}]bool{}
	}
	s.subs[ch] = true
	s.subsMu.Unlock()
	context.AfterFunc(ctx, func() {
		s.subsMu.Lock()
		delete(s.subs, ch)
		s.subsMu.Unlock()
	})
	return ch
}

// renderedChanged tells the callers of RenderedChanged, without waiting.
func (s *SQLite) renderedChanged() {
	s.subsMu.Lock()
	defer s.subsMu.Unlock()
	for ch := range s.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// ClaimAlert leases the deliveries of the alert with the given key to
// owner for lease, unless another owner holds them.
func (s *SQLite) ClaimAlert(ctx context.Context, key, owner string, lease time.Duration) (_ bool, err error) {
	if err := checkClaim(owner, lease); err != nil {
		return false, fmt.Errorf("claim alert %s: %w", key, err)
	}
	if err = s.Damaged(); err != nil {
		return
	}
	defer s.classify(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now().UnixNano()
	res, err := s.db.ExecContext(ctx, `INSERT INTO alert_leases (alert_key, owner, expires) VALUES (?1, ?2, ?3)
		ON CONFLICT(alert_key) DO UPDATE SET owner = excluded.owner, expires = excluded.expires
		WHERE owner = excluded.owner OR expires <= ?4`, key, owner, now+int64(lease), now)
	if err != nil {
		return false, fmt.Errorf("claim alert %s: %w", key, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("claim alert %s: %w", key, err)
	}
	return n == 1, nil
}

// ReleaseAlert ends owner's lease of the alert's deliveries.
func (s *SQLite) ReleaseAlert(ctx context.Context, key, owner string) (err error) {
	if err = s.Damaged(); err != nil {
		return
	}
	defer s.classify(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.db.ExecContext(ctx, `DELETE FROM alert_leases WHERE alert_key = ? AND owner = ?`, key, owner); err != nil {
		return fmt.Errorf("release alert %s: %w", key, err)
	}
	return nil
}
