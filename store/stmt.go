package store

import (
	"context"
	"database/sql"
	"fmt"
)

// A txn is a transaction that prepares each statement once and reuses it
// for the rest of the transaction: SQLite spends more on preparing the
// small statements of a save than on running them, and a save runs the
// same few for every item. The statements of saveQueries are prepared
// once for the store and only bound to each transaction. Its ExecContext,
// QueryContext and QueryRowContext take single statements.
type txn struct {
	*sql.Tx
	prepared map[string]*sql.Stmt // the store's
	stmts    map[string]*sql.Stmt
}

// prepare prepares the statements of saveQueries. (It cannot happen in a
// transaction: the store has one connection, which the transaction holds.)
func (s *SQLite) prepare() error {
	s.prepared = make(map[string]*sql.Stmt, len(saveQueries))
	for _, q := range saveQueries {
		st, err := s.db.Prepare(q)
		if err != nil {
			return fmt.Errorf("prepare %q: %w", q, err)
		}
		s.prepared[q] = st
	}
	return nil
}

// begin starts a transaction that reuses its statements. The caller holds
// s.mu.
func (s *SQLite) begin(ctx context.Context) (*txn, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return &txn{Tx: tx, prepared: s.prepared, stmts: map[string]*sql.Stmt{}}, nil
}

// stmt returns query prepared in the transaction (closed with it), or nil
// when it cannot be prepared; the query then runs unprepared.
func (t *txn) stmt(ctx context.Context, query string) *sql.Stmt {
	if st, ok := t.stmts[query]; ok {
		return st
	}
	var st *sql.Stmt
	if p := t.prepared[query]; p != nil {
		st = t.Tx.StmtContext(ctx, p)
	} else if p, err := t.Tx.PrepareContext(ctx, query); err == nil {
		st = p
	}
	t.stmts[query] = st
	return st
}

func (t *txn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, query, args...)
}

func (t *txn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.Tx.QueryContext(ctx, query, args...)
}

func (t *txn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, query, args...)
}
