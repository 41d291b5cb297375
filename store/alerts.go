package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/refeed/refeed/item"
)

// Alerts are kept in three tables (migration 2):
//
//	alert_seen(alert_key, item_id, at)         every item an alert has seen, forever
//	alert_queue(alert_key, item_id, topic, data, queued, attempts, next_attempt, last_error)
//	                                           deliveries waiting to be sent
//	alert_state(alert_key, last_success, last_error, last_error_at, last_digest)
//
// An alert key is the alert's stable identity (its topic and target, chosen
// by package alert); the store treats it as an opaque string.

// QueueAlerts records that the alerts of entries have seen their items. When
// queue is set, it also queues a delivery of every item an alert had not
// seen before, due at now or, when the alert is backing off after failures,
// with its other deliveries; an item seen before is never queued again. It
// returns the number of deliveries queued. Everything happens in one
// transaction.
func (s *SQLite) QueueAlerts(ctx context.Context, entries []AlertEntry, queue bool, now time.Time) (_ int, err error) {
	if err = s.Damaged(); err != nil {
		return
	}
	defer s.classify(&err)
	if len(entries) == 0 {
		return 0, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.queueAlerts(ctx, entries, queue, now)
	if err != nil {
		return 0, fmt.Errorf("queue alerts: %w", err)
	}
	return n, nil
}

func (s *SQLite) queueAlerts(ctx context.Context, entries []AlertEntry, queue bool, now time.Time) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	n, err := queueAlertsTx(ctx, tx, entries, queue, now)
	if err != nil {
		return 0, err
	}
	return n, tx.Commit()
}

// TakeEntered queues alert deliveries for the items SaveSource recorded as
// entering topics since the last call, as QueueAlerts does (items of a
// source's first save are only remembered as seen), and forgets the
// records, in one transaction. keys returns the alert keys of a topic;
// prepare returns the part of an item a delivery keeps. It returns the
// number of deliveries queued.
func (s *SQLite) TakeEntered(ctx context.Context, keys func(topic string) []string, prepare func(item.Item) item.Item, now time.Time) (_ int, err error) {
	if err = s.Damaged(); err != nil {
		return
	}
	defer s.classify(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.takeEntered(ctx, keys, prepare, now)
	if err != nil {
		return 0, fmt.Errorf("take entered items: %w", err)
	}
	return n, nil
}

func (s *SQLite) takeEntered(ctx context.Context, keys func(topic string) []string, prepare func(item.Item) item.Item, now time.Time) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	if err := checkTerm(ctx, tx); err != nil {
		return 0, err
	}
	var last sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT max(seq) FROM entered`).Scan(&last); err != nil || !last.Valid {
		return 0, err
	}
	// The items are read from the store; one removed since (by retention)
	// is no news any more.
	rows, err := tx.QueryContext(ctx, `SELECT e.topic, e.first, i.data FROM entered e JOIN items i ON i.id = e.item_id WHERE e.seq <= ? ORDER BY e.seq`, last.Int64)
	if err != nil {
		return 0, err
	}
	var fresh, first []AlertEntry
	for rows.Next() {
		var topic string
		var data []byte
		var isFirst bool
		if err := rows.Scan(&topic, &isFirst, &data); err != nil {
			rows.Close()
			return 0, err
		}
		var it item.Item
		if err := decode(data, &it); err != nil {
			rows.Close()
			return 0, err
		}
		it = prepare(it)
		for _, k := range keys(topic) {
			e := AlertEntry{Key: k, Topic: topic, Item: it}
			if isFirst {
				first = append(first, e)
			} else {
				fresh = append(fresh, e)
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if _, err := queueAlertsTx(ctx, tx, first, false, now); err != nil {
		return 0, err
	}
	n, err := queueAlertsTx(ctx, tx, fresh, true, now)
	if err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM entered WHERE seq <= ?`, last.Int64); err != nil {
		return 0, err
	}
	return n, tx.Commit()
}

func queueAlertsTx(ctx context.Context, tx *sql.Tx, entries []AlertEntry, queue bool, now time.Time) (int, error) {
	queued := 0
	for _, e := range entries {
		res, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO alert_seen (alert_key, item_id, at) VALUES (?, ?, ?)`, e.Key, e.Item.ID, now.UnixNano())
		if err != nil {
			return 0, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, err
		}
		if n == 0 || !queue {
			continue
		}
		data, err := json.Marshal(&e.Item)
		if err != nil {
			return 0, fmt.Errorf("item %s: %w", e.Item.ID, err)
		}
		// A new delivery waits with the alert's others, so that an alert
		// backing off after failures is not tried again at once.
		var next sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT max(next_attempt) FROM alert_queue WHERE alert_key = ?`, e.Key).Scan(&next); err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO alert_queue (alert_key, item_id, topic, data, queued, next_attempt) VALUES (?, ?, ?, ?, ?, ?)`,
			e.Key, e.Item.ID, e.Topic, string(data), now.UnixNano(), max(now.UnixNano(), next.Int64)); err != nil {
			return 0, err
		}
		queued++
	}
	return queued, nil
}

// AlertSeen reports whether the alert with the given key has seen the item.
func (s *SQLite) AlertSeen(ctx context.Context, key, itemID string) (_ bool, err error) {
	if err = s.Damaged(); err != nil {
		return
	}
	defer s.classify(&err)
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM alert_seen WHERE alert_key = ? AND item_id = ?`, key, itemID).Scan(&n); err != nil {
		return false, fmt.Errorf("read alert %s: %w", key, err)
	}
	return n > 0, nil
}

// PendingAlerts returns the deliveries waiting for the alert with the given
// key, oldest first; with dueOnly, only those whose next attempt is not
// after now.
func (s *SQLite) PendingAlerts(ctx context.Context, key string, dueOnly bool, now time.Time) (_ []AlertDelivery, err error) {
	if err = s.Damaged(); err != nil {
		return
	}
	defer s.classify(&err)
	q := `SELECT topic, data, queued, attempts, next_attempt, last_error FROM alert_queue WHERE alert_key = ?`
	args := []any{key}
	if dueOnly {
		q += ` AND next_attempt <= ?`
		args = append(args, now.UnixNano())
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY queued, rowid`, args...)
	if err != nil {
		return nil, fmt.Errorf("read alert queue %s: %w", key, err)
	}
	defer rows.Close()
	var out []AlertDelivery
	for rows.Next() {
		d := AlertDelivery{Key: key}
		var data string
		var queued, next int64
		if err := rows.Scan(&d.Topic, &data, &queued, &d.Attempts, &next, &d.LastError); err != nil {
			return nil, fmt.Errorf("read alert queue %s: %w", key, err)
		}
		if err := json.Unmarshal([]byte(data), &d.Item); err != nil {
			return nil, fmt.Errorf("read alert queue %s: item: %w", key, err)
		}
		d.Queued, d.NextAttempt = fromUnix(queued), fromUnix(next)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read alert queue %s: %w", key, err)
	}
	return out, nil
}

// AlertDelivered records that the items were delivered to the alert with
// the given key: their deliveries leave the queue, and the alert's last
// success becomes now and its last error is cleared. When digest is set,
// now also starts the alert's next digest period.
func (s *SQLite) AlertDelivered(ctx context.Context, key string, itemIDs []string, digest bool, now time.Time) (err error) {
	if err = s.Damaged(); err != nil {
		return
	}
	defer s.classify(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		for _, id := range itemIDs {
			if _, err := tx.ExecContext(ctx, `DELETE FROM alert_queue WHERE alert_key = ? AND item_id = ?`, key, id); err != nil {
				return err
			}
		}
		q := `INSERT INTO alert_state (alert_key, last_success, last_digest) VALUES (?, ?, ?)
			ON CONFLICT(alert_key) DO UPDATE SET last_success = excluded.last_success, last_error = '', last_error_at = 0`
		if digest {
			q += `, last_digest = excluded.last_digest`
		}
		_, err := tx.ExecContext(ctx, q, key, now.UnixNano(), now.UnixNano())
		return err
	})
	if err != nil {
		return fmt.Errorf("record alert delivery %s: %w", key, err)
	}
	return nil
}

// AlertFailed records a failed attempt to deliver the items to the alert
// with the given key: their attempts grow by one, their last error becomes
// msg and their next attempt next. Every other waiting delivery of the alert
// waits until next too (without counting an attempt), so that a failing
// receiver is tried once per backoff, not once per item.
func (s *SQLite) AlertFailed(ctx context.Context, key string, itemIDs []string, msg string, next, now time.Time) (err error) {
	if err = s.Damaged(); err != nil {
		return
	}
	defer s.classify(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		for _, id := range itemIDs {
			if _, err := tx.ExecContext(ctx, `UPDATE alert_queue SET attempts = attempts + 1, last_error = ?, next_attempt = ? WHERE alert_key = ? AND item_id = ?`,
				msg, next.UnixNano(), key, id); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE alert_queue SET next_attempt = ? WHERE alert_key = ? AND next_attempt < ?`, next.UnixNano(), key, next.UnixNano()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO alert_state (alert_key, last_error, last_error_at) VALUES (?, ?, ?)
			ON CONFLICT(alert_key) DO UPDATE SET last_error = excluded.last_error, last_error_at = excluded.last_error_at`,
			key, msg, now.UnixNano())
		return err
	})
	if err != nil {
		return fmt.Errorf("record alert failure %s: %w", key, err)
	}
	return nil
}

// StartAlertDigest starts a new digest period of the alert with the given
// key at t.
func (s *SQLite) StartAlertDigest(ctx context.Context, key string, t time.Time) (err error) {
	if err = s.Damaged(); err != nil {
		return
	}
	defer s.classify(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.db.ExecContext(ctx, `INSERT INTO alert_state (alert_key, last_digest) VALUES (?, ?)
		ON CONFLICT(alert_key) DO UPDATE SET last_digest = excluded.last_digest`, key, t.UnixNano()); err != nil {
		return fmt.Errorf("start alert digest %s: %w", key, err)
	}
	return nil
}

// AlertStates returns the state of every alert the store knows (that has a
// state or waiting deliveries), by key.
func (s *SQLite) AlertStates(ctx context.Context) (_ map[string]AlertState, err error) {
	if err = s.Damaged(); err != nil {
		return
	}
	defer s.classify(&err)
	out := map[string]AlertState{}
	rows, err := s.db.QueryContext(ctx, `SELECT alert_key, last_success, last_error, last_error_at, last_digest FROM alert_state`)
	if err != nil {
		return nil, fmt.Errorf("read alert states: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var st AlertState
		var success, errorAt, digest int64
		if err := rows.Scan(&st.Key, &success, &st.LastError, &errorAt, &digest); err != nil {
			return nil, fmt.Errorf("read alert states: %w", err)
		}
		st.LastSuccess, st.LastErrorAt, st.LastDigest = fromUnix(success), fromUnix(errorAt), fromUnix(digest)
		out[st.Key] = st
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read alert states: %w", err)
	}
	rows.Close()
	rows, err = s.db.QueryContext(ctx, `SELECT alert_key, count(*), min(next_attempt) FROM alert_queue GROUP BY alert_key`)
	if err != nil {
		return nil, fmt.Errorf("read alert queue: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var key string
		var n int
		var next int64
		if err := rows.Scan(&key, &n, &next); err != nil {
			return nil, fmt.Errorf("read alert queue: %w", err)
		}
		st := out[key]
		st.Key, st.Pending, st.NextAttempt = key, n, fromUnix(next)
		out[key] = st
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read alert queue: %w", err)
	}
	return out, nil
}

// DropAlerts removes from the queue the deliveries of alerts whose key is
// not in keep, and those queued before expired that failed at least once,
// and returns them. What the
// alerts have seen stays, so that an alert configured again does not
// repeat itself.
func (s *SQLite) DropAlerts(ctx context.Context, keep []string, expired time.Time) (_ []AlertDelivery, err error) {
	if err = s.Damaged(); err != nil {
		return
	}
	defer s.classify(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	var dropped []AlertDelivery
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT alert_key, item_id, topic, queued, attempts, last_error FROM alert_queue ORDER BY alert_key, queued, rowid`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var d AlertDelivery
			var queued int64
			if err := rows.Scan(&d.Key, &d.Item.ID, &d.Topic, &queued, &d.Attempts, &d.LastError); err != nil {
				rows.Close()
				return err
			}
			d.Queued = fromUnix(queued)
			if slices.Contains(keep, d.Key) && (d.Attempts == 0 || !d.Queued.Before(expired)) {
				continue
			}
			dropped = append(dropped, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, d := range dropped {
			if _, err := tx.ExecContext(ctx, `DELETE FROM alert_queue WHERE alert_key = ? AND item_id = ?`, d.Key, d.Item.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("drop alerts: %w", err)
	}
	return dropped, nil
}

// inTx runs f in a transaction, committing when it returns nil.
func (s *SQLite) inTx(ctx context.Context, f func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
		return err
	}
	return tx.Commit()
}
