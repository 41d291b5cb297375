package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// A FullText is the article fetched for an item's link: its extracted
// content, or why there is none.
type FullText struct {
	Content string
	Error   string // why the fetch or extraction failed; Content is then empty
	Fetched time.Time
}

// FullText returns the article stored for link, and whether there is one.
func (s *Store) FullText(ctx context.Context, link string) (FullText, bool, error) {
	var ft FullText
	var fetched int64
	err := s.db.QueryRowContext(ctx, `SELECT content, error, fetched FROM fulltext WHERE link = ?`, link).Scan(&ft.Content, &ft.Error, &fetched)
	if errors.Is(err, sql.ErrNoRows) {
		return ft, false, nil
	}
	if err != nil {
		return ft, false, fmt.Errorf("read full text of %s: %w", link, err)
	}
	ft.Fetched = fromUnix(fetched)
	return ft, true, nil
}

// PutFullText stores the article fetched for link (or the failure).
func (s *Store) PutFullText(ctx context.Context, link string, ft FullText) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.db.ExecContext(ctx, `INSERT OR REPLACE INTO fulltext (link, content, error, fetched) VALUES (?, ?, ?, ?)`,
		link, ft.Content, ft.Error, toUnix(ft.Fetched)); err != nil {
		return fmt.Errorf("write full text of %s: %w", link, err)
	}
	return nil
}
