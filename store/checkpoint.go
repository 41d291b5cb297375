package store

import (
	"database/sql"
	"fmt"
	"sync"
	"time"
)

// checkpointDelay is how long the checkpointer lets commits gather after
// the first it hears of: a checkpoint copies each page once, however many
// commits since the last wrote it.
const checkpointDelay = time.Second

// A checkpointer copies the WAL into the database on a connection of its
// own, a while after saves committed. SQLite's PASSIVE checkpoint runs
// beside the writer without blocking it, and the writer starts the WAL
// over once a checkpoint has copied all of it; so saving neither waits
// for checkpoints nor lets the WAL grow.
type checkpointer struct {
	db *sql.DB
	// damaged reports that the store is damaged: then nothing is
	// checkpointed. check classifies a checkpoint's error (marking the
	// store damaged when it is).
	damaged func() error
	check   func(error) error

	kicks chan struct{}
	stop  chan struct{}
	done  chan struct{}

	closeOnce sync.Once
	closeErr  error
}

func newCheckpointer(path string, damaged func() error, check func(error) error) (*checkpointer, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=synchronous(FULL)")
	if err != nil {
		return nil, fmt.Errorf("checkpointer: %w", err)
	}
	db.SetMaxOpenConns(1)
	c := &checkpointer{db: db, damaged: damaged, check: check, kicks: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c, nil
}

// kick tells the checkpointer that a save committed. It never blocks.
func (c *checkpointer) kick() {
	if c == nil {
		return
	}
	select {
	case c.kicks <- struct{}{}:
	default:
	}
}

func (c *checkpointer) run() {
	defer close(c.done)
	for {
		select {
		case <-c.stop:
			return
		case <-c.kicks:
		}
		select {
		case <-c.stop:
			return
		case <-time.After(checkpointDelay):
		}
		if c.damaged() != nil {
			continue
		}
		// A failed checkpoint is retried with the next commit; the
		// writer's own automatic checkpoint is the backstop.
		if _, err := c.db.Exec(`PRAGMA wal_checkpoint(PASSIVE)`); err != nil {
			c.check(err)
		}
	}
}

// stopRunning stops the checkpointer and leaves its connection open (as a
// damaged store does, see SQLite.Close).
func (c *checkpointer) stopRunning() {
	c.closeOnce.Do(func() {
		close(c.stop)
		<-c.done
	})
}

// close stops the checkpointer and closes its connection. Later calls
// return what the first returned.
func (c *checkpointer) close() error {
	c.closeOnce.Do(func() {
		close(c.stop)
		<-c.done
		c.closeErr = c.db.Close()
	})
	return c.closeErr
}
