package store

import (
	"context"
	"database/sql"
	"encoding/json"
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
	var authors string
	err = s.db.QueryRowContext(ctx, `SELECT content, error, fetched, title, authors, date, rules FROM fulltext WHERE link = ?`, link).
		Scan(&ft.Content, &ft.Error, &fetched, &ft.Title, &authors, &ft.Date, &ft.Rules)
	if errors.Is(err, sql.ErrNoRows) {
		return ft, false, nil
	}
	if err != nil {
		return ft, false, fmt.Errorf("read full text of %s: %w", link, err)
	}
	ft.Fetched = fromUnix(fetched)
	if ft.Authors, err = decodeAuthors(authors); err != nil {
		return ft, false, fmt.Errorf("read full text of %s: %w", link, err)
	}
	return ft, true, nil
}

// PutFullText stores the article fetched for link (or the failure).
func (s *SQLite) PutFullText(ctx context.Context, link string, ft FullText) (err error) {
	if err = s.Damaged(); err != nil {
		return
	}
	defer s.classify(&err)
	authors, err := encodeAuthors(ft.Authors)
	if err != nil {
		return fmt.Errorf("write full text of %s: %w", link, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.db.ExecContext(ctx, `INSERT OR REPLACE INTO fulltext (link, content, error, fetched, title, authors, date, rules) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		link, ft.Content, ft.Error, toUnix(ft.Fetched), ft.Title, authors, ft.Date, ft.Rules); err != nil {
		return fmt.Errorf("write full text of %s: %w", link, err)
	}
	return nil
}

// encodeAuthors returns the stored form of a full text's authors: a JSON
// array, "" for none.
func encodeAuthors(authors []string) (string, error) {
	if len(authors) == 0 {
		return "", nil
	}
	b, err := json.Marshal(authors)
	if err != nil {
		return "", fmt.Errorf("authors: %w", err)
	}
	return string(b), nil
}

// decodeAuthors reads what encodeAuthors wrote.
func decodeAuthors(s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	var out []string
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, fmt.Errorf("authors: %w", err)
	}
	return out, nil
}
