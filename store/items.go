package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/item"
)

// saveBatch saves a batch of requests in one transaction. It first saves
// them all without savepoints, which cost SQLite a copy of every page a
// save changes; only when a save of several fails does it start again with
// a savepoint for each, so that the others are saved nonetheless. A
// damaged store (see damage.go) saves nothing. The caller holds s.mu.
func (s *SQLite) saveBatch(ctx context.Context, batch []*saveRequest) {
	classify := func() {
		for _, req := range batch {
			if req.err != nil {
				req.err = s.check(req.err)
			}
		}
	}
	if err := s.Damaged(); err != nil {
		for _, req := range batch {
			req.res, req.err = nil, err
		}
		return
	}
	failed := s.saveTx(ctx, batch, false)
	classify()
	if failed && len(batch) > 1 && s.Damaged() == nil {
		s.saveTx(ctx, batch, true)
		classify()
	}
}

// saveTx saves batch in one transaction, each request in a savepoint of
// its own when savepoints is set, and records every request's outcome in
// it. Without savepoints, a request that fails fails them all, and saveTx
// reports that (so that they can be saved again with savepoints); failing
// to begin or commit the transaction fails them all in any case.
func (s *SQLite) saveTx(ctx context.Context, batch []*saveRequest, savepoints bool) (requestFailed bool) {
	fail := func(err error) {
		for _, req := range batch {
			if req.err == nil || !savepoints {
				req.res, req.err = nil, err
			}
		}
	}
	for _, req := range batch {
		req.res, req.err = nil, nil
	}
	tx, err := s.begin(ctx)
	if err != nil {
		fail(err)
		return false
	}
	defer tx.Rollback()
	for _, req := range batch {
		if !savepoints {
			req.res, req.err = s.saveSource(ctx, tx, req)
			if errors.Is(req.err, ErrLeaseLost) {
				continue // it wrote nothing (see saveSource): the others go on
			}
			if req.err != nil {
				fail(req.err)
				return true
			}
			continue
		}
		if _, err := tx.Tx.ExecContext(ctx, `SAVEPOINT save`); err != nil {
			fail(err)
			return false
		}
		req.res, req.err = s.saveSource(ctx, tx, req)
		release := `RELEASE save`
		if req.err != nil {
			release = `ROLLBACK TO save; RELEASE save`
		}
		if _, err := tx.Tx.ExecContext(ctx, release); err != nil {
			fail(err)
			return false
		}
	}
	if err := tx.Commit(); err != nil {
		fail(err)
	} else {
		s.commits.Add(1)
	}
	s.ckpt.kick()
	return false
}

// saveSource saves one request in tx. A save whose lease is lost fails
// with ErrLeaseLost before it writes anything, and only then: the
// transaction can go on without it.
func (s *SQLite) saveSource(ctx context.Context, tx *txn, req *saveRequest) (*SaveResult, error) {
	st, items, prep := req.st, req.items, req.prep
	if st.Lease != nil {
		if err := endLease(ctx, tx, st, time.Now()); err != nil {
			return nil, err
		}
	}
	res := &SaveResult{}
	var prevSuccess int64
	var prevTitle, prevLink string
	err := tx.QueryRowContext(ctx, qPrevSuccess, st.Name).Scan(&prevSuccess, &prevTitle, &prevLink)
	if errors.Is(err, sql.ErrNoRows) || err == nil && prevSuccess == 0 {
		res.First = true
	} else if err != nil {
		return nil, err
	}

	seen := make(map[string]bool, len(items))
	todo := make([]*item.Item, 0, len(items))
	for i := range items {
		it := &items[i]
		if it.ID == "" {
			it.ID = item.NewID(st.Name, it)
		}
		if !seen[it.ID] {
			seen[it.ID] = true
			todo = append(todo, it)
		}
	}
	// What the store knows of the items is read at once: saving one item
	// of the source cannot change what another finds (each finds its own
	// id, and stories of other sources).
	sv := &sourceSave{
		tx: tx, source: st.Name, now: req.now, res: res, changed: map[string]bool{},
		stored: map[string]*storedItem{}, prep: make(map[*item.Item]*newRow, len(prep)),
	}
	for i := range prep {
		sv.prep[&items[i]] = &prep[i]
	}
	keys := make([]*newRow, len(todo))
	for i, it := range todo {
		keys[i] = sv.prep[it]
	}
	found, err := lookupAll(ctx, tx, st.Name, todo, keys)
	if err != nil {
		return nil, err
	}
	// So are the stored items they are, but for one that several items
	// are: saving the first changes what the next finds.
	if once := foundOnce(found); len(once) > 0 {
		if sv.stored, err = readStored(ctx, tx, once, st.Name); err != nil {
			return nil, err
		}
	}
	for i, it := range todo {
		if err := sv.item(ctx, it, found[i]); err != nil {
			return nil, fmt.Errorf("item %s: %w", it.ID, err)
		}
		if it.Fingerprint != "" {
			sv.fingerprints = append(sv.fingerprints, st.Name, it.ID, it.Fingerprint)
		}
	}
	if err := insertItems.exec(ctx, tx, sv.newItems); err != nil {
		return nil, err
	}
	if err := addTopics.exec(ctx, tx, sv.newTopics); err != nil {
		return nil, err
	}
	if err := putFingerprints.exec(ctx, tx, sv.fingerprints); err != nil {
		return nil, err
	}
	// What entered topics is kept with the save, in the same transaction,
	// so that no alert is lost to a crash after the save (see TakeEntered).
	entered := make([]any, 0, 3*len(res.Entered))
	for _, e := range res.Entered {
		entered = append(entered, e.Topic, res.First, e.ItemID)
	}
	if err := putEntered.exec(ctx, tx, entered); err != nil {
		return nil, err
	}
	if err := putSource(ctx, tx, st); err != nil {
		return nil, err
	}
	// The feeds name an item's sources by their titles (and a source
	// whose URL holds a secret by its site link): a new title or link
	// changes every feed that holds items (of this source, or others).
	if !res.First && (st.Title != prevTitle || st.Link != prevLink) {
		if err := sv.retitled(ctx); err != nil {
			return nil, err
		}
	}
	for k := range sv.changed {
		res.Changed = append(res.Changed, k)
	}
	sort.Strings(res.Changed)
	if err := markChanged(ctx, tx, res.Changed); err != nil {
		return nil, err
	}
	return res, nil
}

// retitled marks as changed every feed that holds items.
func (sv *sourceSave) retitled(ctx context.Context) error {
	sv.changed[config.AllFeed] = true
	rows, err := sv.tx.QueryContext(ctx, `SELECT DISTINCT topic FROM item_topics`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return err
		}
		sv.changed[t] = true
	}
	return rows.Err()
}

// The queries of a save, prepared once for the store (see txn).
const (
	// qLookup finds what the store knows of items, given as JSON arrays
	// of their ids (?1), GUIDs, link keys and title keys (?2..?4, '' when
	// an item has none) and publication times (?5): for each, by its
	// position, the item it is (an alias, else an item of that id),
	// whether retention removed it, and, only when neither, the item of
	// another source (?6) carrying the same story by GUID, else link key,
	// else title key (published within ?7 of it). The keys are found by
	// their hashes (see keyHash), and compared on a hit. The indexes are
	// partial, on the hashes of non-empty keys: each subquery says so, or
	// SQLite cannot use them and scans every item. (The hashes are not
	// passed as more arrays: SQLite keeps four parsed JSON texts.)
	qLookup = `WITH q AS MATERIALIZED (
		SELECT j.key AS n, ?2 ->> j.key AS guid, ?3 ->> j.key AS link, ?4 ->> j.key AS title, ?5 ->> j.key AS t,
			coalesce((SELECT id FROM aliases WHERE alias = j.value), (SELECT id FROM items WHERE id = j.value)) AS known,
			EXISTS (SELECT 1 FROM gone WHERE id = j.value) AS gone
		FROM json_each(?1) j)
		SELECT n, known, gone, CASE WHEN known IS NULL AND NOT gone THEN coalesce(
			(SELECT id FROM items WHERE guid_h = refeed_key_hash(q.guid) AND guid_h != 0 AND guid = q.guid AND source != ?6 ORDER BY first_seen LIMIT 1),
			(SELECT id FROM items WHERE link_h = refeed_key_hash(q.link) AND link_h != 0 AND link_key = q.link AND source != ?6 ORDER BY first_seen LIMIT 1),
			(SELECT id FROM items WHERE title_h = refeed_key_hash(q.title) AND title_h != 0 AND title_key = q.title AND source != ?6 AND sort_time BETWEEN q.t - ?7 AND q.t + ?7 ORDER BY first_seen LIMIT 1)) END
		FROM q`
	// qStored reads stored items, given as a JSON array of ids: their
	// owner, hash and first sighting, with one row per topic a source
	// gives them (topic and source NULL when they have none).
	qStored = `SELECT i.id, i.source, i.hash, i.first_seen, t.topic, t.source
		FROM json_each(?1) j CROSS JOIN items i ON i.id = j.value LEFT JOIN item_topics t ON t.item_id = i.id`
	qUpdateItem  = `UPDATE items SET guid = ?, link_key = ?, title_key = ?, guid_h = ?, link_h = ?, title_h = ?, sort_time = ?, hash = ?, data = ? WHERE id = ?`
	qAlias       = `INSERT OR IGNORE INTO aliases (alias, id) VALUES (?, ?)`
	qItemSource  = `INSERT OR IGNORE INTO item_sources (item_id, source) VALUES (?, ?)`
	qAddTopic    = `INSERT OR IGNORE INTO item_topics (item_id, topic, source) VALUES (?, ?, ?)`
	qDropTopic   = `DELETE FROM item_topics WHERE item_id = ? AND source = ? AND topic = ?`
	qPrevSuccess = `SELECT last_success, title, link FROM sources WHERE name = ?`
)

// saveQueries are prepared when the store opens.
var saveQueries = slices.Concat([]string{qLookup, qStored, qUpdateItem, qAlias, qItemSource, qAddTopic, qDropTopic, qPrevSuccess, qPutSource, qEndLease},
	insertItems.queries(), addTopics.queries(), putFingerprints.queries(), putEntered.queries())

// insertItems inserts new items, addTopics the topics of new items,
// putFingerprints writes fingerprints (only those that changed), putEntered
// the items that entered topics, several rows a statement.
//
// insertItems and putEntered are INSERT OR IGNOREs that must insert every
// row (see multiRow.every): a statement of several rows that may fail on a
// constraint makes SQLite keep a statement journal, a copy of every page
// the statement changes, to undo only the statement; one that cannot fail
// needs none. A row they would ignore fails the save instead.
var (
	insertItems = multiRow{head: `INSERT OR IGNORE INTO items (id, source, guid, link_key, title_key, guid_h, link_h, title_h, sort_time, first_seen, hash, data) VALUES `,
		width: 12, every: true}
	addTopics       = multiRow{head: `INSERT OR IGNORE INTO item_topics (item_id, topic, source) VALUES `, width: 3}
	putEntered      = multiRow{head: `INSERT OR IGNORE INTO entered (topic, first, item_id) VALUES `, width: 3, every: true}
	putFingerprints = multiRow{head: `INSERT INTO fingerprints (source, id, fingerprint) VALUES `, width: 3,
		tail: ` ON CONFLICT (source, id) DO UPDATE SET fingerprint = excluded.fingerprint WHERE fingerprint != excluded.fingerprint`}
)

// A multiRow is an INSERT of rows of width values: head, the rows' values,
// tail. It runs with up to maxRows rows a statement: a statement for each
// row costs more than the row. With every set, each statement must change
// as many rows as it has, or exec fails.
type multiRow struct {
	head  string
	width int
	tail  string
	every bool
}

// maxRows is the most rows of a multiRow statement; statements of
// maxRows, maxRows/2, ... 1 rows are prepared.
const maxRows = 32

func (m multiRow) query(rows int) string {
	var b strings.Builder
	b.WriteString(m.head)
	row := "(" + strings.Repeat("?, ", m.width-1) + "?)"
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	b.WriteString(m.tail)
	return b.String()
}

func (m multiRow) queries() []string {
	var out []string
	for n := maxRows; n >= 1; n /= 2 {
		out = append(out, m.query(n))
	}
	return out
}

// exec runs the statement for args, the values of len(args)/m.width rows.
func (m multiRow) exec(ctx context.Context, tx *txn, args []any) error {
	for n := maxRows; len(args) > 0; n /= 2 {
		q := ""
		for len(args) >= n*m.width {
			if q == "" {
				q = m.query(n)
			}
			res, err := tx.ExecContext(ctx, q, args[:n*m.width]...)
			if err != nil {
				return err
			}
			if m.every {
				if k, err := res.RowsAffected(); err != nil {
					return err
				} else if k != int64(n) {
					return fmt.Errorf("%s...: %d of %d rows written (a conflict)", m.head[:strings.Index(m.head, " (")], k, n)
				}
			}
			args = args[n*m.width:]
		}
	}
	return nil
}

// What the store knows of an item to save (see qLookup).
type found struct {
	known string // the stored item it is
	gone  bool   // removed by retention
	story string // a stored item of another source with the same story
}

// jsonStrings returns ss as a JSON array for SQLite's JSON functions. Unlike
// encoding/json, it keeps bytes that are not UTF-8 as they are (SQLite
// reads them back unchanged), so that a key finds the same bytes stored.
func jsonStrings(ss []string) string {
	n := 2
	for _, s := range ss {
		n += len(s) + 3
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		for j := 0; j < len(s); j++ {
			switch c := s[j]; {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
			default:
				b = append(b, c)
			}
		}
		b = append(b, '"')
	}
	return string(append(b, ']'))
}

// keyHash returns the hash by which the store finds a GUID, link key or
// title key (its 64-bit FNV-1a hash as a signed integer): integers make
// indexes several times smaller than the keys, and faster to search. The
// key itself is compared on a hit, so that two keys of one hash are never
// taken for each other. "" hashes to 0, which the indexes leave out; no
// other key does. (FNV-1a mixes its last bytes into the high bits only a
// little: keys that differ only in their last bytes, such as the numbered
// links of one site, tend to stay near each other in the index. Hashing
// the site apart measured worse: the keys of one site are scattered.)
func keyHash(k string) int64 {
	if k == "" {
		return 0
	}
	h := uint64(14695981039346656037)
	for i := 0; i < len(k); i++ {
		h ^= uint64(k[i])
		h *= 1099511628211
	}
	if h == 0 {
		h = 1
	}
	return int64(h)
}

// canonical returns the stored item an item is, or "" when it is new or
// removed.
func (f found) canonical() string {
	switch {
	case f.known != "":
		return f.known
	case f.gone:
		return ""
	}
	return f.story
}

// lookupChunk is the most items looked up, or read, with one query: the
// queries' JSON arrays are indexed by position, at a cost that grows with
// the position.
const lookupChunk = 64

// lookupAll looks the items of source up (see qLookup), with the keys of
// their prepared rows.
func lookupAll(ctx context.Context, tx *txn, source string, items []*item.Item, keys []*newRow) ([]found, error) {
	out := make([]found, len(items))
	for i := 0; i < len(items); i += lookupChunk {
		j := min(i+lookupChunk, len(items))
		if err := lookupSome(ctx, tx, source, items[i:j], keys[i:j], out[i:j]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// foundOnce returns the stored items (canonical ids) that exactly one of
// found is: those the items of a save can all read at once, beforehand.
func foundOnce(found []found) []string {
	n := map[string]int{}
	for _, f := range found {
		if c := f.canonical(); c != "" {
			n[c]++
		}
	}
	var once []string
	for c, k := range n {
		if k == 1 {
			once = append(once, c)
		}
	}
	return once
}

// lookupSome looks items up into out.
func lookupSome(ctx context.Context, tx *txn, source string, items []*item.Item, keys []*newRow, out []found) error {
	n := len(items)
	ids, guids, links, titles, times := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]int64, n)
	for i, it := range items {
		ids[i], links[i] = it.ID, keys[i].link
		if g := keys[i].guid; globalGUID(g) {
			guids[i] = g
		}
		if !it.Published.IsZero() {
			titles[i], times[i] = keys[i].title, it.Published.UnixNano()
		}
	}
	ts := []byte{'['}
	for i, t := range times {
		if i > 0 {
			ts = append(ts, ',')
		}
		ts = strconv.AppendInt(ts, t, 10)
	}
	ts = append(ts, ']')
	rows, err := tx.QueryContext(ctx, qLookup, jsonStrings(ids), jsonStrings(guids), jsonStrings(links), jsonStrings(titles), string(ts), source, int64(TitleWindow))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var n int
		var known, story sql.NullString
		var gone bool
		if err := rows.Scan(&n, &known, &gone, &story); err != nil {
			return err
		}
		if n < 0 || n >= len(out) {
			return fmt.Errorf("lookup: row %d of %d items", n, len(out))
		}
		out[n] = found{known: known.String, gone: gone, story: story.String}
	}
	return rows.Err()
}

// A sourceSave is the save of one source's items in progress, in its
// transaction: what it saves, the rows it writes several at a time at its
// end, the stored items it read at its start, and what it changed.
type sourceSave struct {
	tx      *txn
	source  string
	now     time.Time
	res     *SaveResult
	changed map[string]bool // the feeds whose items changed

	newItems     []any // of insertItems
	newTopics    []any // of addTopics: the topics of newItems
	fingerprints []any // of putFingerprints
	stored       map[string]*storedItem
	prep         map[*item.Item]*newRow // rows prepared by SaveSource
}

// A newRow is what the row of a new item holds besides its source and
// times: computed before the save (see SaveSource).
type newRow struct {
	data              []byte
	err               error
	hash              string
	guid, link, title string // keys
}

// prepareRow returns the row it would have if new and first seen at now.
func prepareRow(it *item.Item, now time.Time) newRow {
	stored := *it
	stored.FirstSeen = now.UTC()
	r := newRow{guid: strings.TrimSpace(stored.GUID), link: LinkKey(stored.Link), title: TitleKey(stored.Title)}
	if r.data, r.err = encode(&stored); r.err == nil {
		r.hash = dataHash(r.data)
	}
	return r
}

// item saves it, found as f.
func (sv *sourceSave) item(ctx context.Context, it *item.Item, f found) error {
	tx, source := sv.tx, sv.source
	canonical := f.known
	if canonical == "" {
		if f.gone {
			return nil
		}
		canonical = f.story
		if canonical == "" {
			return sv.insert(it)
		}
		if _, err := tx.ExecContext(ctx, qAlias, it.ID, canonical); err != nil {
			return err
		}
		sv.res.Merged++
	}

	si, read := sv.stored[canonical]
	if !read {
		m, err := readStored(ctx, tx, []string{canonical}, source)
		if err != nil {
			return err
		}
		si = m[canonical]
	}
	if si == nil {
		return nil // removed by retention since
	}
	owner, hash, firstSeen, before, mine := si.owner, si.hash, si.firstSeen, si.topics, si.mine
	if owner != source {
		res, err := tx.ExecContext(ctx, qItemSource, canonical, source)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err == nil && n > 0 {
			// The feeds the item is in name one source more.
			sv.changed[config.AllFeed] = true
			for _, t := range before {
				sv.changed[t] = true
			}
		}
	}
	stored := *it
	stored.ID = canonical
	stored.FirstSeen = fromUnix(firstSeen)
	if owner == source {
		data, err := encode(&stored)
		if err != nil {
			return err
		}
		if h := dataHash(data); !sameContent(hash, h, &stored) {
			link, title := LinkKey(stored.Link), TitleKey(stored.Title)
			if _, err := tx.ExecContext(ctx, qUpdateItem,
				stored.GUID, link, title, keyHash(stored.GUID), keyHash(link), keyHash(title), sortTime(&stored), h, data, canonical); err != nil {
				return err
			}
			sv.res.Updated++
			sv.changed[config.AllFeed] = true
			for _, t := range before {
				sv.changed[t] = true
			}
		}
	}
	return sv.setTopics(ctx, canonical, &stored, before, mine)
}

// A storedItem is what a save reads of a stored item.
type storedItem struct {
	owner     string // the source that first carried it
	hash      string // of its content
	firstSeen int64
	topics    []string // sorted, distinct
	mine      []string // the topics the saving source gives it
}

// readStored reads the stored items ids, by id (an id without an item is
// missing), with the topics source gives them.
func readStored(ctx context.Context, tx *txn, ids []string, source string) (map[string]*storedItem, error) {
	out := make(map[string]*storedItem, len(ids))
	for i := 0; i < len(ids); i += lookupChunk {
		if err := readSomeStored(ctx, tx, ids[i:min(i+lookupChunk, len(ids))], source, out); err != nil {
			return nil, err
		}
	}
	for _, si := range out {
		slices.Sort(si.topics)
		si.topics = slices.Compact(si.topics)
	}
	return out, nil
}

// readSomeStored reads the stored items ids into out.
func readSomeStored(ctx context.Context, tx *txn, ids []string, source string, out map[string]*storedItem) error {
	rows, err := tx.QueryContext(ctx, qStored, jsonStrings(ids))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, owner, hash string
		var firstSeen int64
		var topic, from sql.NullString
		if err := rows.Scan(&id, &owner, &hash, &firstSeen, &topic, &from); err != nil {
			return err
		}
		si := out[id]
		if si == nil {
			si = &storedItem{owner: owner, hash: hash, firstSeen: firstSeen}
			out[id] = si
		}
		if !topic.Valid {
			continue
		}
		si.topics = append(si.topics, topic.String)
		if from.String == source {
			si.mine = append(si.mine, topic.String)
		}
	}
	return rows.Err()
}

// Fingerprints returns the fingerprints of the items the named source
// sent last, by item id (the id the source's item has before any merge).
// An item whose fingerprint is unchanged need not be saved again: saving it
// would change nothing.
func (s *SQLite) Fingerprints(ctx context.Context, source string) (_ map[string]string, err error) {
	if err = s.Damaged(); err != nil {
		return
	}
	defer s.classify(&err)
	rows, err := s.db.QueryContext(ctx, `SELECT id, fingerprint FROM fingerprints WHERE source = ?`, source)
	if err != nil {
		return nil, fmt.Errorf("read fingerprints of %s: %w", source, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, fp string
		if err := rows.Scan(&id, &fp); err != nil {
			return nil, fmt.Errorf("read fingerprints of %s: %w", source, err)
		}
		out[id] = fp
	}
	return out, rows.Err()
}

// insert stores a new item (in sv.newItems, inserted later).
func (sv *sourceSave) insert(it *item.Item) error {
	stored := *it
	stored.FirstSeen = sv.now.UTC()
	row, ok := sv.prep[it]
	if !ok {
		r := prepareRow(it, sv.now)
		row = &r
	}
	if row.err != nil {
		return row.err
	}
	sv.newItems = append(sv.newItems,
		stored.ID, sv.source, row.guid, row.link, row.title, keyHash(row.guid), keyHash(row.link), keyHash(row.title), sortTime(&stored), toUnix(stored.FirstSeen), row.hash, row.data)
	sv.res.New++
	sv.changed[config.AllFeed] = true
	// A new item is in no topic yet. (No other item of the save reads
	// them: none finds a new item.)
	for _, t := range stored.Topics {
		sv.newTopics = append(sv.newTopics, stored.ID, t, sv.source)
		sv.changed[t] = true
		sv.res.Entered = append(sv.res.Entered, Entry{Topic: t, ItemID: stored.ID})
	}
	return nil
}

// setTopics makes the topics the source gives item id equal to it.Topics
// and records the topics the item newly entered; before are the item's
// topics and mine those the source gave it.
func (sv *sourceSave) setTopics(ctx context.Context, id string, it *item.Item, before, mine []string) error {
	drop, add := topicDiff(it.Topics, mine)
	for _, t := range drop {
		if _, err := sv.tx.ExecContext(ctx, qDropTopic, id, sv.source, t); err != nil {
			return err
		}
	}
	for _, t := range add {
		if _, err := sv.tx.ExecContext(ctx, qAddTopic, id, t, sv.source); err != nil {
			return err
		}
	}
	sv.res.Entered = topicsChanged(sv.changed, sv.res.Entered, id, before, drop, add)
	return nil
}

// topicDiff returns the topics a source gives an item that it gave it
// before (mine) and no longer does (drop), and those it gives it now
// (want) and did not (add).
func topicDiff(want, mine []string) (drop, add []string) {
	for _, t := range mine {
		if !slices.Contains(want, t) {
			drop = append(drop, t)
		}
	}
	for _, t := range want {
		if !slices.Contains(mine, t) {
			add = append(add, t)
		}
	}
	return drop, add
}

// topicsChanged records, after a source's topics of item id changed by
// drop and add (see topicDiff), the feeds that changed in changed, and
// appends to entered the topics the item entered: those it was in under
// no source before.
func topicsChanged(changed map[string]bool, entered []Entry, id string, before, drop, add []string) []Entry {
	for _, t := range drop {
		changed[t] = true
	}
	for _, t := range add {
		if !slices.Contains(before, t) {
			changed[t] = true
			entered = append(entered, Entry{Topic: t, ItemID: id})
		}
	}
	return entered
}

func topicsOf(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, id string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT topic FROM item_topics WHERE item_id = ? ORDER BY topic`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Feed returns the newest items of a feed, newest first: every item for
// config.AllFeed, else the items of the topic with that slug. Items carry their
// topics and sources.
func (s *SQLite) Feed(ctx context.Context, slug string, limit int) (_ []item.Item, err error) {
	if err = s.Damaged(); err != nil {
		return
	}
	defer s.classify(&err)
	// The item's own source is first, without a row in item_sources.
	const cols = `SELECT i.data, i.source,
		(SELECT group_concat(topic) FROM (SELECT DISTINCT topic FROM item_topics WHERE item_id = i.id ORDER BY topic)),
		(SELECT group_concat(source) FROM (SELECT source FROM item_sources WHERE item_id = i.id AND source != i.source ORDER BY source))
		FROM items i `
	var rows *sql.Rows
	if slug == config.AllFeed {
		rows, err = s.db.QueryContext(ctx, cols+`ORDER BY i.sort_time DESC, i.id LIMIT ?`, limit)
	} else {
		rows, err = s.db.QueryContext(ctx, cols+`WHERE i.id IN (SELECT item_id FROM item_topics WHERE topic = ?) ORDER BY i.sort_time DESC, i.id LIMIT ?`, slug, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("read feed %s: %w", slug, err)
	}
	defer rows.Close()
	var out []item.Item
	for rows.Next() {
		var data []byte
		var owner string
		var topics, sources sql.NullString
		if err := rows.Scan(&data, &owner, &topics, &sources); err != nil {
			return nil, fmt.Errorf("read feed %s: %w", slug, err)
		}
		var it item.Item
		if err := decode(data, &it); err != nil {
			return nil, fmt.Errorf("read feed %s: item: %w", slug, err)
		}
		it.Topics = split(topics.String)
		it.Sources = append([]string{owner}, split(sources.String)...)
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read feed %s: %w", slug, err)
	}
	return out, nil
}

// Count returns the number of items of a feed (see Feed).
func (s *SQLite) Count(ctx context.Context, slug string) (_ int, err error) {
	if err = s.Damaged(); err != nil {
		return
	}
	defer s.classify(&err)
	var n int
	if slug == config.AllFeed {
		err = s.db.QueryRowContext(ctx, `SELECT count(*) FROM items`).Scan(&n)
	} else {
		err = s.db.QueryRowContext(ctx, `SELECT count(DISTINCT item_id) FROM item_topics WHERE topic = ?`, slug).Scan(&n)
	}
	if err != nil {
		return 0, fmt.Errorf("count feed %s: %w", slug, err)
	}
	return n, nil
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// Prune applies retention: it removes items first seen more than maxAge
// ago (an old item of a newly added source stays for maxAge) and items that are among the
// newest maxItems of no feed. Removed items are remembered so that a
// source still carrying them does not bring them back. It returns the
// feeds that changed.
func (s *SQLite) Prune(ctx context.Context, maxItems int, maxAge time.Duration, now time.Time) (_ []string, err error) {
	if err = s.Damaged(); err != nil {
		return
	}
	defer s.classify(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	changed, err := s.prune(ctx, maxItems, maxAge, now)
	if err != nil {
		return nil, fmt.Errorf("prune: %w", err)
	}
	return changed, nil
}

func (s *SQLite) prune(ctx context.Context, maxItems int, maxAge time.Duration, now time.Time) ([]string, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := checkTerm(ctx, tx); err != nil {
		return nil, err
	}
	exec := func(q string, args ...any) error {
		_, err := tx.ExecContext(ctx, q, args...)
		return err
	}
	// The items that stay (keep) are found, not the ones that go: they are
	// at most maxItems a feed, however many the store holds.
	if err := exec(`CREATE TEMP TABLE IF NOT EXISTS keep (id TEXT PRIMARY KEY)`); err != nil {
		return nil, err
	}
	if err := exec(`DELETE FROM keep`); err != nil {
		return nil, err
	}
	if err := exec(`INSERT OR IGNORE INTO keep SELECT id FROM items ORDER BY sort_time DESC, id LIMIT ?`, maxItems); err != nil {
		return nil, err
	}
	var total int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM items`).Scan(&total); err != nil {
		return nil, err
	}
	if err := keepTopics(ctx, tx, maxItems, total); err != nil {
		return nil, err
	}
	cutoff := now.Add(-maxAge).UnixNano()
	if err := exec(`DELETE FROM keep WHERE (SELECT first_seen FROM items WHERE items.id = keep.id) < ?`, cutoff); err != nil {
		return nil, err
	}
	var kept int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM keep`).Scan(&kept); err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT topic FROM item_topics WHERE item_id NOT IN (SELECT id FROM keep)`)
	if err != nil {
		return nil, err
	}
	var changed []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return nil, err
		}
		changed = append(changed, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Tombstones are kept for twice the retention age: long enough for
	// sources to have dropped the items. So are full-text articles, and
	// the fingerprints of removed items (so that a source still carrying
	// them does not have them cleaned again only to be refused).
	// A fingerprint outlives its item only by its tombstone, so only
	// fingerprints of expired tombstones are looked for (a scan of every
	// fingerprint).
	expiry := now.Add(-2 * maxAge).UnixNano()
	var expired bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM gone WHERE at < ?)`, expiry).Scan(&expired); err != nil {
		return nil, err
	}
	if expired {
		if err := exec(`DELETE FROM fingerprints WHERE id IN (SELECT id FROM gone WHERE at < ?)
			AND id NOT IN (SELECT alias FROM aliases) AND id NOT IN (SELECT id FROM items)`, expiry); err != nil {
			return nil, err
		}
		if err := exec(`DELETE FROM gone WHERE at < ?`, expiry); err != nil {
			return nil, err
		}
	}
	if err := exec(`DELETE FROM fulltext WHERE fetched < ?`, expiry); err != nil {
		return nil, err
	}
	if kept == total {
		return nil, tx.Commit()
	}
	changed = append(changed, config.AllFeed)
	// Tombstones are written in key order: appended, not scattered.
	at := now.UnixNano()
	if err := exec(`INSERT OR REPLACE INTO gone (id, at) SELECT alias, ? FROM aliases WHERE id NOT IN (SELECT id FROM keep) ORDER BY alias`, at); err != nil {
		return nil, err
	}
	if err := exec(`INSERT OR REPLACE INTO gone (id, at) SELECT id, ? FROM items WHERE id NOT IN (SELECT id FROM keep) ORDER BY id`, at); err != nil {
		return nil, err
	}
	// Removing most rows one by one costs a change to the table and each
	// index for every row; copying the few that stay aside and emptying
	// the table (which frees its pages without changing them) costs
	// little. The rows set aside are held in memory (temp_store), so only
	// a bounded number are.
	rebuild := kept*4 < total && kept <= maxRebuild
	for _, t := range []struct{ table, col string }{
		{"aliases", "id"}, {"item_topics", "item_id"}, {"item_sources", "item_id"}, {"items", "id"},
	} {
		if err := keepOnly(ctx, tx, t.table, t.col, rebuild); err != nil {
			return nil, fmt.Errorf("%s: %w", t.table, err)
		}
	}
	sort.Strings(changed)
	changed = slices.Compact(changed)
	if err := markChanged(ctx, tx, changed); err != nil {
		return nil, err
	}
	return changed, tx.Commit()
}

// maxRebuild is the most items Prune sets aside to empty the tables
// instead of deleting rows one by one (see keepOnly).
const maxRebuild = 10_000

// keepTopics adds the newest maxItems items of every topic to the
// temporary table keep; total is the number of items. A topic of few items
// is read whole, each item looked up for its time; the items of a large
// one are walked, newest first, until maxItems of them are in the topic.
func keepTopics(ctx context.Context, tx *sql.Tx, maxItems, total int) error {
	rows, err := tx.QueryContext(ctx, `SELECT topic, count(*) FROM item_topics GROUP BY topic`)
	if err != nil {
		return err
	}
	type topicSize struct {
		topic string
		n     int
	}
	var topics []topicSize
	for rows.Next() {
		var t topicSize
		if err := rows.Scan(&t.topic, &t.n); err != nil {
			rows.Close()
			return err
		}
		topics = append(topics, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, t := range topics {
		// Reading a topic's n items costs a lookup of each (a page of the
		// table); walking costs about as much for each of about
		// maxItems*total/n items (a step in the index of times, which
		// holds no id, a read of the item and a probe).
		q := `INSERT OR IGNORE INTO keep SELECT id FROM items i
			WHERE EXISTS (SELECT 1 FROM item_topics t WHERE t.topic = ?1 AND t.item_id = i.id)
			ORDER BY sort_time DESC, id LIMIT ?2`
		if t.n*t.n < maxItems*total {
			q = `INSERT OR IGNORE INTO keep SELECT id FROM (
				SELECT DISTINCT i.id, i.sort_time FROM item_topics t CROSS JOIN items i ON i.id = t.item_id
				WHERE t.topic = ?1 ORDER BY i.sort_time DESC, i.id LIMIT ?2)`
		}
		if _, err := tx.ExecContext(ctx, q, t.topic, maxItems); err != nil {
			return fmt.Errorf("topic %s: %w", t.topic, err)
		}
	}
	return nil
}

// keepOnly deletes the rows of table whose col is not in the temporary
// table keep. With rebuild, it sets the others aside, empties the table
// and puts them back.
func keepOnly(ctx context.Context, tx *sql.Tx, table, col string, rebuild bool) error {
	qs := []string{`DELETE FROM main.` + table + ` WHERE ` + col + ` NOT IN (SELECT id FROM keep)`}
	if rebuild {
		qs = []string{
			`DROP TABLE IF EXISTS temp.kept_rows`,
			`CREATE TEMP TABLE kept_rows AS SELECT * FROM main.` + table + ` WHERE ` + col + ` IN (SELECT id FROM keep)`,
			`DELETE FROM main.` + table,
			`INSERT INTO main.` + table + ` SELECT * FROM temp.kept_rows`,
			`DROP TABLE temp.kept_rows`,
		}
	}
	for _, q := range qs {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// Retag gives every stored item the topics match returns for it, as when
// the configured topics changed, and returns the feeds that changed. Items
// entering a topic this way are not reported as entered: they were already
// there when the topic came.
func (s *SQLite) Retag(ctx context.Context, match func(*item.Item) []string) (_ []string, err error) {
	if err = s.Damaged(); err != nil {
		return
	}
	defer s.classify(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	changed, err := s.retag(ctx, match)
	if err != nil {
		return nil, fmt.Errorf("retag: %w", err)
	}
	return changed, nil
}

func (s *SQLite) retag(ctx context.Context, match func(*item.Item) []string) ([]string, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := checkTerm(ctx, tx); err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, source, data FROM items`)
	if err != nil {
		return nil, err
	}
	type tagged struct {
		id, source string
		topics     []string
	}
	var all []tagged
	for rows.Next() {
		var id, source string
		var data []byte
		if err := rows.Scan(&id, &source, &data); err != nil {
			rows.Close()
			return nil, err
		}
		var it item.Item
		if err := decode(data, &it); err != nil {
			rows.Close()
			return nil, fmt.Errorf("item %s: %w", id, err)
		}
		all = append(all, tagged{id, source, match(&it)})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	changed := map[string]bool{}
	for _, t := range all {
		before, err := topicsOf(ctx, tx, t.id)
		if err != nil {
			return nil, err
		}
		after := slices.Clone(t.topics)
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
		if _, err := tx.ExecContext(ctx, `DELETE FROM item_topics WHERE item_id = ?`, t.id); err != nil {
			return nil, err
		}
		for _, x := range after {
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO item_topics (item_id, topic, source) VALUES (?, ?, ?)`, t.id, x, t.source); err != nil {
				return nil, err
			}
		}
	}
	out := make([]string, 0, len(changed))
	for k := range changed {
		out = append(out, k)
	}
	sort.Strings(out)
	if err := markChanged(ctx, tx, out); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return out, nil
}

// sortTime orders items: by publication date, but never later than first
// seen, so that a feed with dates in the future cannot pin items to the top.
func sortTime(it *item.Item) int64 {
	t := it.FirstSeen
	if !it.Published.IsZero() && it.Published.Before(t) {
		t = it.Published
	}
	return t.UnixNano()
}

// dataHash identifies an item's content, to tell whether it changed: the
// CRC-32C and CRC-32 (IEEE) of its stored form, data, as "c" and 16 hex
// digits. Both run at several GB/s where SHA-256 runs below one (an
// article's hash cost more than its encoding), and 64 bits tell a change
// from none well enough: a source can only hide an edit of its own item
// from the store, which it could as well not make. (The stored form
// holds the item's id and first sighting, which a save keeps.)
func dataHash(data []byte) string {
	h := uint64(crc32.Checksum(data, castagnoli))<<32 | uint64(crc32.ChecksumIEEE(data))
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], h)
	var b [17]byte
	b[0] = 'c'
	hex.Encode(b[1:], n[:])
	return string(b[:])
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// contentHash is the hash of items stored before dataHash: the fingerprint
// without salt of the item, 32 hex digits.
func contentHash(it *item.Item) string { return item.Fingerprint(it, "") }

// sameContent reports whether a stored item's hash, of either kind, is
// that of it, whose dataHash is h.
func sameContent(hash, h string, it *item.Item) bool {
	if len(hash) == len(h) && strings.HasPrefix(hash, "c") {
		return hash == h
	}
	return hash == contentHash(it)
}

// globalGUID reports whether a GUID looks unique beyond its feed (a URL, a
// URN, a tag URI or a long opaque string), so that two sources sharing it
// carry the same story.
func globalGUID(g string) bool {
	return strings.Contains(g, ":") || strings.Contains(g, "/") || len(g) >= 20
}

// LinkKey normalizes a link for recognizing the same story: the scheme,
// "www.", a default port, a trailing slash and the fragment do not count.
// Tracking parameters are expected to have been removed already.
func LinkKey(link string) string {
	link = strings.TrimSpace(link)
	u, err := url.Parse(link)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	if p := u.Port(); p != "" && p != "80" && p != "443" {
		host += ":" + p
	}
	path := strings.TrimRight(u.EscapedPath(), "/")
	key := host + path
	if u.RawQuery != "" {
		key += "?" + u.RawQuery
	}
	return key
}

// TitleKey normalizes a title for recognizing the same story: lower case,
// letters and digits only. Titles shorter than 20 letters give "" (too
// generic to identify a story).
func TitleKey(title string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(title) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteRune(r)
			space = false
		} else {
			space = true
		}
	}
	if b.Len() < 20 {
		return ""
	}
	return b.String()
}
