package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/item"
)

// SaveSource stores the items of one successful fetch of a source and the
// source's new state, in one transaction of its own (see the Store
// interface). The same story saved by two sources at once is stored once
// (see Postgres).
func (p *Postgres) SaveSource(ctx context.Context, st SourceState, items []item.Item, now time.Time) (*SaveResult, error) {
	done, err := p.enter()
	if err != nil {
		return nil, fmt.Errorf("save source %s: %w", st.Name, err)
	}
	defer done()
	prep := make([]newRow, len(items))
	for i := range items {
		it := &items[i]
		if it.ID == "" {
			it.ID = item.NewID(st.Name, it)
		}
		prep[i] = prepareRow(it, now)
	}
	tx, err := p.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("save source %s: %w", st.Name, err)
	}
	defer tx.Rollback(ctx)
	res, err := pgSave(ctx, tx, st, items, prep, now)
	if err != nil {
		return nil, fmt.Errorf("save source %s: %w", st.Name, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("save source %s: %w", st.Name, err)
	}
	return res, nil
}

// pgLookup finds what the store knows of items, given as arrays by
// position (see qLookup, SQLite's): the item each is (an alias, else an
// item of that id), whether retention removed it, and, only when neither,
// the item of another source ($9) carrying the same story by GUID, else
// link key, else title key (published within $10 of it), found by the
// hashes of the keys and compared on a hit.
const pgLookup = `SELECT q.n, q.known, q.gone, CASE WHEN q.known IS NULL AND NOT q.gone THEN coalesce(
		(SELECT i.id FROM items i WHERE q.guid_h <> 0 AND i.guid_h = q.guid_h AND i.guid_h <> 0 AND i.guid = q.guid AND i.source <> $9
			ORDER BY i.first_seen, i.id LIMIT 1),
		(SELECT i.id FROM items i WHERE q.link_h <> 0 AND i.link_h = q.link_h AND i.link_h <> 0 AND i.link_key = q.link AND i.source <> $9
			ORDER BY i.first_seen, i.id LIMIT 1),
		(SELECT i.id FROM items i WHERE q.title_h <> 0 AND i.title_h = q.title_h AND i.title_h <> 0 AND i.title_key = q.title AND i.source <> $9
			AND i.sort_time BETWEEN q.t - $10 AND q.t + $10 ORDER BY i.first_seen, i.id LIMIT 1)) END
	FROM (SELECT u.*,
			coalesce((SELECT a.id FROM aliases a WHERE a.alias = u.id), (SELECT i.id FROM items i WHERE i.id = u.id)) AS known,
			EXISTS (SELECT 1 FROM gone g WHERE g.id = u.id) AS gone
		FROM unnest($1::bytea[], $2::bytea[], $3::bigint[], $4::bytea[], $5::bigint[], $6::bytea[], $7::bigint[], $8::bigint[])
			WITH ORDINALITY AS u(id, guid, guid_h, link, link_h, title, title_h, t, n)) q`

// pgStored reads stored items, given as an array of ids: their owner,
// hash and first sighting, with one row per topic a source gives them
// (topic and source NULL when they have none).
const pgStored = `SELECT i.id, i.source, i.hash, i.first_seen, t.topic, t.source
	FROM items i LEFT JOIN item_topics t ON t.item_id = i.id WHERE i.id = ANY($1::bytea[])`

// pgSave saves one source's items in tx.
func pgSave(ctx context.Context, tx pgx.Tx, st SourceState, items []item.Item, prep []newRow, now time.Time) (*SaveResult, error) {
	// A save whose lease is lost saves nothing.
	if st.Lease != nil {
		if err := pgEndLease(ctx, tx, st); err != nil {
			return nil, err
		}
		st.Lease = nil
	}
	res := &SaveResult{}
	var prevSuccess int64
	var prevTitle, prevLink []byte
	err := tx.QueryRow(ctx, `SELECT last_success, title, link FROM sources WHERE name = $1`, st.Name).Scan(&prevSuccess, &prevTitle, &prevLink)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && prevSuccess == 0 {
		res.First = true
	} else if err != nil {
		return nil, err
	}

	seen := make(map[string]bool, len(items))
	todo := make([]*item.Item, 0, len(items))
	keys := make([]*newRow, 0, len(items))
	for i := range items {
		it := &items[i]
		if !seen[it.ID] {
			seen[it.ID] = true
			todo = append(todo, it)
			keys = append(keys, &prep[i])
		}
	}
	sv := &pgSourceSave{tx: tx, source: st.Name, now: now, res: res, changed: map[string]bool{}, stored: map[string]*storedItem{}}
	if err := sv.lock(ctx, todo, keys); err != nil {
		return nil, err
	}
	found, err := sv.lookup(ctx, todo, keys)
	if err != nil {
		return nil, err
	}
	// The stored items they are are read at once, but for one that several
	// items are: saving the first changes what the next finds.
	if once := foundOnce(found); len(once) > 0 {
		if sv.stored, err = sv.readStored(ctx, once); err != nil {
			return nil, err
		}
	}
	var fpIDs, fps []string
	for i, it := range todo {
		if err := sv.item(ctx, it, keys[i], found[i]); err != nil {
			return nil, fmt.Errorf("item %s: %w", it.ID, err)
		}
		if it.Fingerprint != "" {
			fpIDs, fps = append(fpIDs, it.ID), append(fps, it.Fingerprint)
		}
	}
	if err := sv.flush(ctx); err != nil {
		return nil, err
	}
	if len(fps) > 0 {
		if _, err := tx.Exec(ctx, `INSERT INTO fingerprints (source, id, fingerprint)
			SELECT $1, id, fp FROM unnest($2::bytea[], $3::text[]) AS u(id, fp)
			ON CONFLICT (source, id) DO UPDATE SET fingerprint = excluded.fingerprint WHERE fingerprints.fingerprint <> excluded.fingerprint`,
			st.Name, pgBytesList(fpIDs), fps); err != nil {
			return nil, fmt.Errorf("fingerprints: %w", err)
		}
	}
	// What entered topics is kept with the save, in the same transaction,
	// so that no alert is lost to a crash after the save (see TakeEntered).
	if len(res.Entered) > 0 {
		topics, ids := make([]string, len(res.Entered)), make([]string, len(res.Entered))
		for i, e := range res.Entered {
			topics[i], ids[i] = e.Topic, e.ItemID
		}
		if _, err := tx.Exec(ctx, `INSERT INTO entered (topic, first, item_id)
			SELECT topic, $1, id FROM unnest($2::text[], $3::bytea[]) WITH ORDINALITY AS u(topic, id, n) ORDER BY n`,
			res.First, topics, pgBytesList(ids)); err != nil {
			return nil, fmt.Errorf("entered: %w", err)
		}
	}
	if _, err := putSources(ctx, tx, []SourceState{st}); err != nil {
		return nil, fmt.Errorf("source state: %w", err)
	}
	// The feeds name an item's sources by their titles (and a source whose
	// URL holds a secret by its site link): a new title or link changes
	// every feed that holds items.
	if !res.First && (st.Title != string(prevTitle) || st.Link != string(prevLink)) {
		sv.changed[config.AllFeed] = true
		topics, err := pgStrings(ctx, tx, `SELECT DISTINCT topic FROM item_topics`)
		if err != nil {
			return nil, err
		}
		for _, t := range topics {
			sv.changed[t] = true
		}
	}
	for k := range sv.changed {
		res.Changed = append(res.Changed, k)
	}
	sort.Strings(res.Changed)
	if err := pgMarkChanged(ctx, tx, res.Changed); err != nil {
		return nil, err
	}
	return res, nil
}

// A pgSourceSave is the save of one source's items in progress, in its
// transaction (see sourceSave, SQLite's).
type pgSourceSave struct {
	tx      pgx.Tx
	source  string
	now     time.Time
	res     *SaveResult
	changed map[string]bool
	stored  map[string]*storedItem

	// New items and their topics, inserted together by flush.
	newIDs, newGUIDs, newLinks, newTitles []string
	newGUIDh, newLinkh, newTitleh         []int64
	newSort, newFirst                     []int64
	newHash                               []string
	newData                               [][]byte
	topicIDs, topics                      []string
}

// pgMaxKeyLocks is the most advisory locks a save takes on its items' keys
// (see pgSourceSave.lock): PostgreSQL keeps every lock in one table of
// shared memory, of about 64 (max_locks_per_transaction) a connection; one
// transaction of 20,000 locks exhausted it on a default server (10,000
// did not). 512 keys are those of about 130 to 170 items.
const pgMaxKeyLocks = 512

// lock takes the save's locks, held until it commits. Retention and
// retagging wait for saves, and saves for them (pgLockItems). The hashes
// of the items' ids and keys are locked, sorted, before the lookup, so
// that a concurrent save of the same story finds it once this one
// commits, rather than storing it a second time. A save of more than
// pgMaxKeyLocks keys instead excludes every other save, as retention does.
func (sv *pgSourceSave) lock(ctx context.Context, items []*item.Item, keys []*newRow) error {
	hs := make([]int64, 0, 4*len(items))
	for i, it := range items {
		hs = append(hs, keyHash(it.ID), keyHash(keys[i].link), keyHash(keys[i].title))
		if g := keys[i].guid; globalGUID(g) {
			hs = append(hs, keyHash(g))
		}
	}
	slices.Sort(hs)
	hs = slices.Compact(hs)
	if len(hs) > 0 && hs[0] == 0 {
		hs = hs[1:]
	}
	if len(hs) > pgMaxKeyLocks {
		if _, err := sv.tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, pgLockClass, pgLockItems); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		return nil
	}
	if _, err := sv.tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared($1, $2)`, pgLockClass, pgLockItems); err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	if len(hs) == 0 {
		return nil
	}
	if _, err := sv.tx.Exec(ctx, `SELECT count(pg_advisory_xact_lock(k)) FROM unnest($1::bigint[]) AS k`, hs); err != nil {
		return fmt.Errorf("lock item keys: %w", err)
	}
	return nil
}

// lookup looks the items up (see pgLookup), with the keys of their
// prepared rows.
func (sv *pgSourceSave) lookup(ctx context.Context, items []*item.Item, keys []*newRow) ([]found, error) {
	n := len(items)
	out := make([]found, n)
	if n == 0 {
		return out, nil
	}
	ids, guids, links, titles := make([][]byte, n), make([][]byte, n), make([][]byte, n), make([][]byte, n)
	guidh, linkh, titleh, times := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	for i, it := range items {
		ids[i], links[i], linkh[i] = pgBytes(it.ID), pgBytes(keys[i].link), keyHash(keys[i].link)
		guids[i], titles[i] = []byte{}, []byte{}
		if g := keys[i].guid; globalGUID(g) {
			guids[i], guidh[i] = pgBytes(g), keyHash(g)
		}
		if !it.Published.IsZero() {
			titles[i], titleh[i], times[i] = pgBytes(keys[i].title), keyHash(keys[i].title), it.Published.UnixNano()
		}
	}
	rows, err := sv.tx.Query(ctx, pgLookup, ids, guids, guidh, links, linkh, titles, titleh, times, sv.source, int64(TitleWindow))
	if err != nil {
		return nil, fmt.Errorf("look items up: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k int64
		var known, story []byte
		var gone bool
		if err := rows.Scan(&k, &known, &gone, &story); err != nil {
			return nil, fmt.Errorf("look items up: %w", err)
		}
		if k < 1 || k > int64(n) {
			return nil, fmt.Errorf("look items up: row %d of %d items", k, n)
		}
		out[k-1] = found{known: string(known), gone: gone, story: string(story)}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("look items up: %w", err)
	}
	return out, nil
}

// readStored reads the stored items ids, by id (an id without an item is
// missing), with the topics the saving source gives them.
func (sv *pgSourceSave) readStored(ctx context.Context, ids []string) (map[string]*storedItem, error) {
	out := make(map[string]*storedItem, len(ids))
	rows, err := sv.tx.Query(ctx, pgStored, pgBytesList(ids))
	if err != nil {
		return nil, fmt.Errorf("read stored items: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id []byte
		var owner, hash string
		var firstSeen int64
		var topic, from *string
		if err := rows.Scan(&id, &owner, &hash, &firstSeen, &topic, &from); err != nil {
			return nil, fmt.Errorf("read stored items: %w", err)
		}
		si := out[string(id)]
		if si == nil {
			si = &storedItem{owner: owner, hash: hash, firstSeen: firstSeen}
			out[string(id)] = si
		}
		if topic == nil {
			continue
		}
		si.topics = append(si.topics, *topic)
		if from != nil && *from == sv.source {
			si.mine = append(si.mine, *topic)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read stored items: %w", err)
	}
	for _, si := range out {
		slices.Sort(si.topics)
		si.topics = slices.Compact(si.topics)
	}
	return out, nil
}

// item saves it, found as f, row being its row should it be new.
func (sv *pgSourceSave) item(ctx context.Context, it *item.Item, row *newRow, f found) error {
	tx, source := sv.tx, sv.source
	canonical := f.known
	if canonical == "" {
		if f.gone {
			return nil
		}
		canonical = f.story
		if canonical == "" {
			return sv.insert(it, row)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO aliases (alias, id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, pgBytes(it.ID), pgBytes(canonical)); err != nil {
			return err
		}
		sv.res.Merged++
	}
	si, read := sv.stored[canonical]
	if !read {
		// Another item of this save may have changed it: what it wrote
		// must be in the database first.
		if err := sv.flush(ctx); err != nil {
			return err
		}
		m, err := sv.readStored(ctx, []string{canonical})
		if err != nil {
			return err
		}
		si = m[canonical]
	}
	if si == nil {
		return nil // removed by retention since
	}
	if si.owner != source {
		tag, err := tx.Exec(ctx, `INSERT INTO item_sources (item_id, source) VALUES ($1, $2) ON CONFLICT DO NOTHING`, pgBytes(canonical), source)
		if err != nil {
			return err
		}
		if tag.RowsAffected() > 0 {
			// The feeds the item is in name one source more.
			sv.changed[config.AllFeed] = true
			for _, t := range si.topics {
				sv.changed[t] = true
			}
		}
	}
	stored := *it
	stored.ID = canonical
	stored.FirstSeen = fromUnix(si.firstSeen)
	if si.owner == source {
		data, err := encode(&stored)
		if err != nil {
			return err
		}
		if h := dataHash(data); !sameContent(si.hash, h, &stored) {
			guid, link, title := stored.GUID, LinkKey(stored.Link), TitleKey(stored.Title)
			if _, err := tx.Exec(ctx, `UPDATE items SET guid = $1, link_key = $2, title_key = $3, guid_h = $4, link_h = $5, title_h = $6,
				sort_time = $7, hash = $8, data = $9 WHERE id = $10`,
				pgBytes(guid), pgBytes(link), pgBytes(title), keyHash(guid), keyHash(link), keyHash(title), sortTime(&stored), h, data, pgBytes(canonical)); err != nil {
				return err
			}
			sv.res.Updated++
			sv.changed[config.AllFeed] = true
			for _, t := range si.topics {
				sv.changed[t] = true
			}
		}
	}
	return sv.setTopics(ctx, canonical, &stored, si.topics, si.mine)
}

// insert stores a new item (inserted by flush).
func (sv *pgSourceSave) insert(it *item.Item, row *newRow) error {
	if row.err != nil {
		return row.err
	}
	stored := *it
	stored.FirstSeen = sv.now.UTC()
	sv.newIDs = append(sv.newIDs, stored.ID)
	sv.newGUIDs, sv.newLinks, sv.newTitles = append(sv.newGUIDs, row.guid), append(sv.newLinks, row.link), append(sv.newTitles, row.title)
	sv.newGUIDh, sv.newLinkh, sv.newTitleh = append(sv.newGUIDh, keyHash(row.guid)), append(sv.newLinkh, keyHash(row.link)), append(sv.newTitleh, keyHash(row.title))
	sv.newSort, sv.newFirst = append(sv.newSort, sortTime(&stored)), append(sv.newFirst, toUnix(stored.FirstSeen))
	sv.newHash, sv.newData = append(sv.newHash, row.hash), append(sv.newData, row.data)
	sv.res.New++
	sv.changed[config.AllFeed] = true
	for _, t := range stored.Topics {
		sv.topicIDs, sv.topics = append(sv.topicIDs, stored.ID), append(sv.topics, t)
		sv.changed[t] = true
		sv.res.Entered = append(sv.res.Entered, Entry{Topic: t, ItemID: stored.ID})
	}
	return nil
}

// flush inserts the new items waiting, and their topics. Every item must
// be inserted: one that is already stored fails the save.
func (sv *pgSourceSave) flush(ctx context.Context) error {
	if len(sv.newIDs) > 0 {
		tag, err := sv.tx.Exec(ctx, `INSERT INTO items (id, source, guid, link_key, title_key, guid_h, link_h, title_h, sort_time, first_seen, hash, data)
			SELECT id, $1, guid, link_key, title_key, guid_h, link_h, title_h, sort_time, first_seen, hash, data
			FROM unnest($2::bytea[], $3::bytea[], $4::bytea[], $5::bytea[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[], $11::text[], $12::bytea[])
				AS u(id, guid, link_key, title_key, guid_h, link_h, title_h, sort_time, first_seen, hash, data)
			ON CONFLICT DO NOTHING`,
			sv.source, pgBytesList(sv.newIDs), pgBytesList(sv.newGUIDs), pgBytesList(sv.newLinks), pgBytesList(sv.newTitles), sv.newGUIDh, sv.newLinkh, sv.newTitleh,
			sv.newSort, sv.newFirst, sv.newHash, sv.newData)
		if err != nil {
			return fmt.Errorf("insert items: %w", err)
		}
		if k := tag.RowsAffected(); k != int64(len(sv.newIDs)) {
			return fmt.Errorf("insert items: %d of %d rows written (a conflict)", k, len(sv.newIDs))
		}
	}
	if len(sv.topics) > 0 {
		if _, err := sv.tx.Exec(ctx, `INSERT INTO item_topics (item_id, topic, source)
			SELECT id, topic, $1 FROM unnest($2::bytea[], $3::text[]) AS u(id, topic) ON CONFLICT DO NOTHING`,
			sv.source, pgBytesList(sv.topicIDs), sv.topics); err != nil {
			return fmt.Errorf("insert topics: %w", err)
		}
	}
	sv.newIDs, sv.newGUIDs, sv.newLinks, sv.newTitles = sv.newIDs[:0], sv.newGUIDs[:0], sv.newLinks[:0], sv.newTitles[:0]
	sv.newGUIDh, sv.newLinkh, sv.newTitleh = sv.newGUIDh[:0], sv.newLinkh[:0], sv.newTitleh[:0]
	sv.newSort, sv.newFirst, sv.newHash, sv.newData = sv.newSort[:0], sv.newFirst[:0], sv.newHash[:0], sv.newData[:0]
	sv.topicIDs, sv.topics = sv.topicIDs[:0], sv.topics[:0]
	return nil
}

// setTopics makes the topics the source gives item id equal to it.Topics
// and records the topics the item newly entered; before are the item's
// topics and mine those the source gave it.
func (sv *pgSourceSave) setTopics(ctx context.Context, id string, it *item.Item, before, mine []string) error {
	drop, add := topicDiff(it.Topics, mine)
	for _, t := range drop {
		if _, err := sv.tx.Exec(ctx, `DELETE FROM item_topics WHERE item_id = $1 AND source = $2 AND topic = $3`, pgBytes(id), sv.source, t); err != nil {
			return err
		}
	}
	for _, t := range add {
		if _, err := sv.tx.Exec(ctx, `INSERT INTO item_topics (item_id, topic, source) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, pgBytes(id), t, sv.source); err != nil {
			return err
		}
	}
	sv.res.Entered = topicsChanged(sv.changed, sv.res.Entered, id, before, drop, add)
	return nil
}

// pgStrings returns the first column of the rows of a query.
func pgStrings(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, query string, args ...any) ([]string, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// Fingerprints returns the fingerprints of the items the named source
// sent last, by item id.
func (p *Postgres) Fingerprints(ctx context.Context, source string) (map[string]string, error) {
	rows, err := p.pool.Query(ctx, `SELECT id, fingerprint FROM fingerprints WHERE source = $1`, source)
	if err != nil {
		return nil, fmt.Errorf("read fingerprints of %s: %w", source, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id []byte
		var fp string
		if err := rows.Scan(&id, &fp); err != nil {
			return nil, fmt.Errorf("read fingerprints of %s: %w", source, err)
		}
		out[string(id)] = fp
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read fingerprints of %s: %w", source, err)
	}
	return out, nil
}

// Feed returns the newest items of a feed, newest first: every item for
// config.AllFeed, else the items of the topic with that slug. Items carry
// their topics and sources (their own first).
func (p *Postgres) Feed(ctx context.Context, slug string, limit int) ([]item.Item, error) {
	const cols = `SELECT i.data, i.source,
		(SELECT array_agg(DISTINCT t.topic ORDER BY t.topic) FROM item_topics t WHERE t.item_id = i.id),
		(SELECT array_agg(s.source ORDER BY s.source) FROM item_sources s WHERE s.item_id = i.id AND s.source <> i.source)
		FROM items i `
	var rows pgx.Rows
	var err error
	if slug == config.AllFeed {
		rows, err = p.pool.Query(ctx, cols+`ORDER BY i.sort_time DESC, i.id LIMIT $1`, limit)
	} else {
		rows, err = p.pool.Query(ctx, cols+`WHERE i.id IN (SELECT item_id FROM item_topics WHERE topic = $2) ORDER BY i.sort_time DESC, i.id LIMIT $1`, limit, slug)
	}
	if err != nil {
		return nil, fmt.Errorf("read feed %s: %w", slug, err)
	}
	defer rows.Close()
	var out []item.Item
	for rows.Next() {
		var data []byte
		var owner string
		var topics, sources []string
		if err := rows.Scan(&data, &owner, &topics, &sources); err != nil {
			return nil, fmt.Errorf("read feed %s: %w", slug, err)
		}
		var it item.Item
		if err := decode(data, &it); err != nil {
			return nil, fmt.Errorf("read feed %s: item: %w", slug, err)
		}
		if len(topics) > 0 {
			it.Topics = topics
		}
		it.Sources = append([]string{owner}, sources...)
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read feed %s: %w", slug, err)
	}
	return out, nil
}

// Count returns the number of items of a feed (see Feed).
func (p *Postgres) Count(ctx context.Context, slug string) (int, error) {
	var n int
	var err error
	if slug == config.AllFeed {
		err = p.pool.QueryRow(ctx, `SELECT count(*) FROM items`).Scan(&n)
	} else {
		err = p.pool.QueryRow(ctx, `SELECT count(DISTINCT item_id) FROM item_topics WHERE topic = $1`, slug).Scan(&n)
	}
	if err != nil {
		return 0, fmt.Errorf("count feed %s: %w", slug, err)
	}
	return n, nil
}

// Prune applies retention (see Store.Prune), in one transaction that
// excludes saves.
func (p *Postgres) Prune(ctx context.Context, maxItems int, maxAge time.Duration, now time.Time) ([]string, error) {
	var changed []string
	err := p.fencedTx(ctx, func(tx pgx.Tx) error {
		var err error
		changed, err = pgPrune(ctx, tx, maxItems, maxAge, now)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("prune: %w", err)
	}
	return changed, nil
}

func pgPrune(ctx context.Context, tx pgx.Tx, maxItems int, maxAge time.Duration, now time.Time) ([]string, error) {
	exec := func(q string, args ...any) error {
		_, err := tx.Exec(ctx, q, args...)
		return err
	}
	if err := exec(`SELECT pg_advisory_xact_lock($1, $2)`, pgLockClass, pgLockItems); err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	// The items that stay (keep) are found, not the ones that go: they are
	// at most maxItems a feed, however many the store holds.
	if err := exec(`CREATE TEMP TABLE keep (id bytea PRIMARY KEY) ON COMMIT DROP`); err != nil {
		return nil, err
	}
	if err := exec(`INSERT INTO keep SELECT id FROM items ORDER BY sort_time DESC, id LIMIT $1`, maxItems); err != nil {
		return nil, err
	}
	if err := exec(`INSERT INTO keep SELECT id FROM (
			SELECT t.item_id AS id, row_number() OVER (PARTITION BY t.topic ORDER BY i.sort_time DESC, i.id) AS r
			FROM (SELECT DISTINCT topic, item_id FROM item_topics) t JOIN items i ON i.id = t.item_id) x
		WHERE r <= $1 ON CONFLICT DO NOTHING`, maxItems); err != nil {
		return nil, fmt.Errorf("topics: %w", err)
	}
	if err := exec(`DELETE FROM keep k USING items i WHERE i.id = k.id AND i.first_seen < $1`, now.Add(-maxAge).UnixNano()); err != nil {
		return nil, err
	}
	var total, kept int
	if err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM items), (SELECT count(*) FROM keep)`).Scan(&total, &kept); err != nil {
		return nil, err
	}
	changed, err := pgStrings(ctx, tx, `SELECT DISTINCT topic FROM item_topics t WHERE NOT EXISTS (SELECT 1 FROM keep k WHERE k.id = t.item_id)`)
	if err != nil {
		return nil, err
	}
	// Tombstones are kept for twice the retention age, and so are
	// full-text articles and the fingerprints of removed items.
	expiry := now.Add(-2 * maxAge).UnixNano()
	if err := exec(`DELETE FROM fingerprints f USING gone g WHERE g.id = f.id AND g.at < $1
			AND NOT EXISTS (SELECT 1 FROM aliases a WHERE a.alias = f.id) AND NOT EXISTS (SELECT 1 FROM items i WHERE i.id = f.id)`, expiry); err != nil {
		return nil, err
	}
	if err := exec(`DELETE FROM gone WHERE at < $1`, expiry); err != nil {
		return nil, err
	}
	if err := exec(`DELETE FROM fulltext WHERE fetched < $1`, expiry); err != nil {
		return nil, err
	}
	if kept == total {
		return nil, nil
	}
	changed = append(changed, config.AllFeed)
	at := now.UnixNano()
	if err := exec(`INSERT INTO gone (id, at) SELECT a.alias, $1 FROM aliases a WHERE NOT EXISTS (SELECT 1 FROM keep k WHERE k.id = a.id)
		ON CONFLICT (id) DO UPDATE SET at = excluded.at`, at); err != nil {
		return nil, err
	}
	if err := exec(`INSERT INTO gone (id, at) SELECT i.id, $1 FROM items i WHERE NOT EXISTS (SELECT 1 FROM keep k WHERE k.id = i.id)
		ON CONFLICT (id) DO UPDATE SET at = excluded.at`, at); err != nil {
		return nil, err
	}
	for _, t := range []struct{ table, col string }{
		{"aliases", "id"}, {"item_topics", "item_id"}, {"item_sources", "item_id"}, {"items", "id"},
	} {
		if err := exec(`DELETE FROM ` + t.table + ` x WHERE NOT EXISTS (SELECT 1 FROM keep k WHERE k.id = x.` + t.col + `)`); err != nil {
			return nil, fmt.Errorf("%s: %w", t.table, err)
		}
	}
	sort.Strings(changed)
	changed = slices.Compact(changed)
	if err := pgMarkChanged(ctx, tx, changed); err != nil {
		return nil, err
	}
	return changed, nil
}

// Retag gives every stored item the topics match returns for it (see
// Store.Retag), in one transaction that excludes saves.
func (p *Postgres) Retag(ctx context.Context, match func(*item.Item) []string) ([]string, error) {
	var changed []string
	err := p.fencedTx(ctx, func(tx pgx.Tx) error {
		var err error
		changed, err = pgRetag(ctx, tx, match)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("retag: %w", err)
	}
	return changed, nil
}

func pgRetag(ctx context.Context, tx pgx.Tx, match func(*item.Item) []string) ([]string, error) {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, pgLockClass, pgLockItems); err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	rows, err := tx.Query(ctx, `SELECT i.id, i.source, i.data,
		(SELECT array_agg(DISTINCT t.topic ORDER BY t.topic) FROM item_topics t WHERE t.item_id = i.id) FROM items i`)
	if err != nil {
		return nil, err
	}
	type retagged struct {
		id     []byte
		source string
		after  []string
	}
	var todo []retagged
	changed := map[string]bool{}
	for rows.Next() {
		var id, data []byte
		var source string
		var before []string
		if err := rows.Scan(&id, &source, &data, &before); err != nil {
			rows.Close()
			return nil, err
		}
		var it item.Item
		if err := decode(data, &it); err != nil {
			rows.Close()
			return nil, fmt.Errorf("item %s: %w", id, err)
		}
		after := slices.Clone(match(&it))
		sort.Strings(after)
		after = slices.Compact(after)
		if slices.Equal(before, after) {
			continue
		}
		for _, x := range before {
			if !slices.Contains(after, x) {
				changed[x] = true
			}
		}
		for _, x := range after {
			if !slices.Contains(before, x) {
				changed[x] = true
			}
		}
		todo = append(todo, retagged{id, source, after})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, r := range todo {
		if _, err := tx.Exec(ctx, `DELETE FROM item_topics WHERE item_id = $1`, r.id); err != nil {
			return nil, err
		}
		if len(r.after) > 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO item_topics (item_id, topic, source) SELECT $1, t, $2 FROM unnest($3::text[]) AS t`,
				r.id, r.source, r.after); err != nil {
				return nil, err
			}
		}
	}
	out := make([]string, 0, len(changed))
	for k := range changed {
		out = append(out, k)
	}
	sort.Strings(out)
	if err := pgMarkChanged(ctx, tx, out); err != nil {
		return nil, err
	}
	return out, nil
}
