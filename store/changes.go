package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// markChanged marks the feeds slugs as changed (see Store.Unpublished) in
// the transaction or database q.
func markChanged(ctx context.Context, q execer, slugs []string) error {
	if len(slugs) == 0 {
		return nil
	}
	args := make([]any, len(slugs))
	for i, s := range slugs {
		args[i] = s
	}
	query := `INSERT INTO feed_changes (slug) VALUES (?)` + strings.Repeat(`, (?)`, len(slugs)-1)
	if _, err := q.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("mark feeds changed: %w", err)
	}
	return nil
}

// Unpublished returns the feeds marked as changed since their last
// publication, with their newest marks.
func (s *SQLite) Unpublished(ctx context.Context) (_ map[string]int64, err error) {
	if err = s.Damaged(); err != nil {
		return
	}
	defer s.classify(&err)
	rows, err := s.db.QueryContext(ctx, `SELECT slug, max(seq) FROM feed_changes GROUP BY slug`)
	if err != nil {
		return nil, fmt.Errorf("read unpublished feeds: %w", err)
	}
	defer rows.Close()
	return scanMarks(rows)
}

// scanMarks reads the rows of (slug, max(seq)) that Unpublished queries,
// of either backend's driver.
func scanMarks(rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}) (map[string]int64, error) {
	out := map[string]int64{}
	for rows.Next() {
		var slug string
		var seq int64
		if err := rows.Scan(&slug, &seq); err != nil {
			return nil, fmt.Errorf("read unpublished feeds: %w", err)
		}
		out[slug] = seq
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read unpublished feeds: %w", err)
	}
	return out, nil
}

// MarkChanged marks feeds as changed.
func (s *SQLite) MarkChanged(ctx context.Context, slugs []string) (err error) {
	if err = s.Damaged(); err != nil {
		return
	}
	defer s.classify(&err)
	if len(slugs) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Every writer holds s.mu: the term checked holds for the write.
	if err := checkTerm(ctx, s.db); err != nil {
		return fmt.Errorf("mark feeds changed: %w", err)
	}
	return markChanged(ctx, s.db, slugs)
}

// Published clears the marks of published feeds up to the marks given.
func (s *SQLite) Published(ctx context.Context, marks map[string]int64) (err error) {
	if err = s.Damaged(); err != nil {
		return
	}
	defer s.classify(&err)
	if len(marks) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := checkTerm(ctx, tx); err != nil {
			return fmt.Errorf("clear the marks of published feeds: %w", err)
		}
		for slug, seq := range marks {
			if _, err := tx.ExecContext(ctx, `DELETE FROM feed_changes WHERE slug = ? AND seq <= ?`, slug, seq); err != nil {
				return fmt.Errorf("clear the marks of %s: %w", slug, err)
			}
		}
		return nil
	})
}
