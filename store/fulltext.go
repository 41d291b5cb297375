package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// FullText returns the article stored for link, and whether there is one.
func (s *SQLite) FullText(ctx context.Context, link string) (_ FullText, _ bool, err error) {
	if err = s.Damaged(); err != nil {
		return
	}
	defer s.classify(&err)
	var ft FullText
	var fetched int64
	err = s.db.QueryRowContext(ctx, `SELECT content, error, fetched FROM fulltext WHERE link = ?`, link).Scan(&ft.Content, &ft.Error, &fetched)
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
func (s *SQLite) PutFullText(ctx context.Context, link string, ft FullText) (err error) {
	if err = s.Damaged(); err != nil {
		return
	}
	defer s.classify(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.db.ExecContext(ctx, `INSERT OR REPLACE INTO fulltext (link, content, error, fetched) VALUES (?, ?, ?, ?)`,
		link, ft.Content, ft.Error, toUnix(ft.Fetched)); err != nil {
		return fmt.Errorf("write full text of %s: %w", link, err)
	}
	return nil
}
