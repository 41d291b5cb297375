package store

import (
	"context"
	"fmt"
	"time"
)

// Alone voids the leases and the lead that earlier processes left in the
// file. It is for a process that holds the data directory alone (see
// internal/lockfile), as refeed run and once do: no other process can be
// refreshing a source or leading, so that a process killed meanwhile
// keeps its successor from neither until its leases expire. The sources
// that were leased are due at once.
func (s *SQLite) Alone(ctx context.Context) (err error) {
	if err = s.Damaged(); err != nil {
		return
	}
	defer s.classify(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now().UnixNano()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("void leases: %w", err)
	}
	defer tx.Rollback()
	for _, q := range []string{
		`UPDATE sources SET next_due = ?1, lease_owner = '', rerun = 0 WHERE lease_owner != ''`,
		`UPDATE leader SET expires = ?1 WHERE expires > ?1`,
		`UPDATE alert_leases SET expires = ?1 WHERE expires > ?1`,
	} {
		if _, err := tx.ExecContext(ctx, q, now); err != nil {
			return fmt.Errorf("void leases: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("void leases: %w", err)
	}
	return nil
}
