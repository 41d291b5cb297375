package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/refeed/refeed/item"
)

// QueueAlerts records that the alerts of entries have seen their items
// and, with queue, queues the deliveries of the items they had not seen
// (see Alerts), in one transaction.
func (p *Postgres) QueueAlerts(ctx context.Context, entries []AlertEntry, queue bool, now time.Time) (int, error) {
	if len(entries) == 0 {
		return 0, nil
	}
	var n int
	err := p.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		n, err = pgQueueAlerts(ctx, tx, entries, queue, now)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("queue alerts: %w", err)
	}
	return n, nil
}

// pgQueueAlerts queues alerts in tx. An item is queued once, ever, by the
// primary key of alert_seen: of two instances queueing it at once, one
// inserts the row, the other waits for its commit and inserts nothing.
func pgQueueAlerts(ctx context.Context, tx pgx.Tx, entries []AlertEntry, queue bool, now time.Time) (int, error) {
	queued := 0
	at := now.UnixNano()
	for _, e := range entries {
		tag, err := tx.Exec(ctx, `INSERT INTO alert_seen (alert_key, item_id, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, e.Key, pgBytes(e.Item.ID), at)
		if err != nil {
			return 0, err
		}
		if tag.RowsAffected() == 0 || !queue {
			continue
		}
		data, err := json.Marshal(&e.Item)
		if err != nil {
			return 0, fmt.Errorf("item %s: %w", e.Item.ID, err)
		}
		// A new delivery waits with the alert's others, so that an alert
		// backing off after failures is not tried again at once.
		if _, err := tx.Exec(ctx, `INSERT INTO alert_queue (alert_key, item_id, topic, data, queued, next_attempt)
			VALUES ($1, $2, $3, $4, $5, greatest($5, (SELECT max(next_attempt) FROM alert_queue WHERE alert_key = $1)))
			ON CONFLICT DO NOTHING`, e.Key, pgBytes(e.Item.ID), e.Topic, data, at); err != nil {
			return 0, err
		}
		queued++
	}
	return queued, nil
}

// TakeEntered queues alert deliveries for the items SaveSource recorded as
// entering topics since the last call and forgets the records, in one
// transaction (see Alerts). It takes exactly the records it deletes, so
// that a record committed meanwhile is left for the next call.
func (p *Postgres) TakeEntered(ctx context.Context, keys func(topic string) []string, prepare func(item.Item) item.Item, now time.Time) (int, error) {
	var n int
	err := p.fencedTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `WITH e AS (DELETE FROM entered RETURNING seq, topic, first, item_id)
			SELECT e.topic, e.first, i.data FROM e JOIN items i ON i.id = e.item_id ORDER BY e.seq`)
		if err != nil {
			return err
		}
		var fresh, first []AlertEntry
		for rows.Next() {
			var topic string
			var isFirst bool
			var data []byte
			if err := rows.Scan(&topic, &isFirst, &data); err != nil {
				rows.Close()
				return err
			}
			var it item.Item
			if err := decode(data, &it); err != nil {
				rows.Close()
				return err
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
			return err
		}
		if _, err := pgQueueAlerts(ctx, tx, first, false, now); err != nil {
			return err
		}
		n, err = pgQueueAlerts(ctx, tx, fresh, true, now)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("take entered items: %w", err)
	}
	return n, nil
}

// AlertSeen reports whether the alert with the given key has seen the item.
func (p *Postgres) AlertSeen(ctx context.Context, key, itemID string) (bool, error) {
	var seen bool
	if err := p.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM alert_seen WHERE alert_key = $1 AND item_id = $2)`, key, pgBytes(itemID)).Scan(&seen); err != nil {
		return false, fmt.Errorf("read alert %s: %w", key, err)
	}
	return seen, nil
}

// PendingAlerts returns the deliveries waiting for the alert with the
// given key, oldest first; with dueOnly, only those whose next attempt is
// not after now.
func (p *Postgres) PendingAlerts(ctx context.Context, key string, dueOnly bool, now time.Time) ([]AlertDelivery, error) {
	q := `SELECT topic, data, queued, attempts, next_attempt, last_error FROM alert_queue WHERE alert_key = $1`
	args := []any{key}
	if dueOnly {
		q += ` AND next_attempt <= $2`
		args = append(args, now.UnixNano())
	}
	rows, err := p.pool.Query(ctx, q+` ORDER BY queued, seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("read alert queue %s: %w", key, err)
	}
	defer rows.Close()
	var out []AlertDelivery
	for rows.Next() {
		d := AlertDelivery{Key: key}
		var data, lastErr []byte
		var queued, next int64
		if err := rows.Scan(&d.Topic, &data, &queued, &d.Attempts, &next, &lastErr); err != nil {
			return nil, fmt.Errorf("read alert queue %s: %w", key, err)
		}
		if err := json.Unmarshal(data, &d.Item); err != nil {
			return nil, fmt.Errorf("read alert queue %s: item: %w", key, err)
		}
		d.Queued, d.NextAttempt, d.LastError = fromUnix(queued), fromUnix(next), string(lastErr)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read alert queue %s: %w", key, err)
	}
	return out, nil
}

// AlertDelivered records that the items were delivered to the alert with
// the given key (see Alerts).
func (p *Postgres) AlertDelivered(ctx context.Context, key string, itemIDs []string, digest bool, now time.Time) error {
	err := p.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM alert_queue WHERE alert_key = $1 AND item_id = ANY($2::bytea[])`, key, pgBytesList(itemIDs)); err != nil {
			return err
		}
		q := `INSERT INTO alert_state (alert_key, last_success, last_digest) VALUES ($1, $2, $2)
			ON CONFLICT (alert_key) DO UPDATE SET last_success = excluded.last_success, last_error = '', last_error_at = 0`
		if digest {
			q += `, last_digest = excluded.last_digest`
		}
		_, err := tx.Exec(ctx, q, key, now.UnixNano())
		return err
	})
	if err != nil {
		return fmt.Errorf("record alert delivery %s: %w", key, err)
	}
	return nil
}

// AlertFailed records a failed attempt to deliver the items to the alert
// with the given key (see Alerts).
func (p *Postgres) AlertFailed(ctx context.Context, key string, itemIDs []string, msg string, next, now time.Time) error {
	err := p.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE alert_queue SET attempts = attempts + 1, last_error = $1, next_attempt = $2
			WHERE alert_key = $3 AND item_id = ANY($4::bytea[])`, pgBytes(msg), next.UnixNano(), key, pgBytesList(itemIDs)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE alert_queue SET next_attempt = $1 WHERE alert_key = $2 AND next_attempt < $1`, next.UnixNano(), key); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO alert_state (alert_key, last_error, last_error_at) VALUES ($1, $2, $3)
			ON CONFLICT (alert_key) DO UPDATE SET last_error = excluded.last_error, last_error_at = excluded.last_error_at`,
			key, pgBytes(msg), now.UnixNano())
		return err
	})
	if err != nil {
		return fmt.Errorf("record alert failure %s: %w", key, err)
	}
	return nil
}

// StartAlertDigest starts a new digest period of the alert with the given
// key at t.
func (p *Postgres) StartAlertDigest(ctx context.Context, key string, t time.Time) error {
	err := p.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO alert_state (alert_key, last_digest) VALUES ($1, $2)
			ON CONFLICT (alert_key) DO UPDATE SET last_digest = excluded.last_digest`, key, t.UnixNano())
		return err
	})
	if err != nil {
		return fmt.Errorf("start alert digest %s: %w", key, err)
	}
	return nil
}

// AlertStates returns the state of every alert the store knows (that has a
// state or waiting deliveries), by key.
func (p *Postgres) AlertStates(ctx context.Context) (map[string]AlertState, error) {
	out := map[string]AlertState{}
	rows, err := p.pool.Query(ctx, `SELECT alert_key, last_success, last_error, last_error_at, last_digest FROM alert_state`)
	if err != nil {
		return nil, fmt.Errorf("read alert states: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var st AlertState
		var lastErr []byte
		var success, errorAt, digest int64
		if err := rows.Scan(&st.Key, &success, &lastErr, &errorAt, &digest); err != nil {
			return nil, fmt.Errorf("read alert states: %w", err)
		}
		st.LastError = string(lastErr)
		st.LastSuccess, st.LastErrorAt, st.LastDigest = fromUnix(success), fromUnix(errorAt), fromUnix(digest)
		out[st.Key] = st
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read alert states: %w", err)
	}
	rows.Close()
	rows, err = p.pool.Query(ctx, `SELECT alert_key, count(*), min(next_attempt) FROM alert_queue GROUP BY alert_key`)
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
// and returns them (with their items' ids only).
func (p *Postgres) DropAlerts(ctx context.Context, keep []string, expired time.Time) ([]AlertDelivery, error) {
	var dropped []AlertDelivery
	err := p.inTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT alert_key, item_id, topic, queued, attempts, last_error FROM alert_queue ORDER BY alert_key, queued, seq FOR UPDATE`)
		if err != nil {
			return err
		}
		var keys []string
		var ids [][]byte
		for rows.Next() {
			var d AlertDelivery
			var id, lastErr []byte
			var queued int64
			if err := rows.Scan(&d.Key, &id, &d.Topic, &queued, &d.Attempts, &lastErr); err != nil {
				rows.Close()
				return err
			}
			d.Item.ID, d.LastError, d.Queued = string(id), string(lastErr), fromUnix(queued)
			if slices.Contains(keep, d.Key) && (d.Attempts == 0 || !d.Queued.Before(expired)) {
				continue
			}
			dropped = append(dropped, d)
			keys, ids = append(keys, d.Key), append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(keys) == 0 {
			return nil
		}
		_, err = tx.Exec(ctx, `DELETE FROM alert_queue q USING unnest($1::text[], $2::bytea[]) AS d(k, id)
			WHERE q.alert_key = d.k AND q.item_id = d.id`, keys, ids)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("drop alerts: %w", err)
	}
	return dropped, nil
}
