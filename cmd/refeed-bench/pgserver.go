//go:build unix

package main

// What the cluster and claims modes measure of the PostgreSQL server: a
// database of the run's own, the transactions committed in it
// (pg_stat_database) and the CPU time of the server's processes.

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgServer is the PostgreSQL server a mode measures, by the URL of a
// database an administrator may connect to (postgres://postgres@HOST:PORT/postgres).
type pgServer struct {
	admin      string
	postmaster int // pid, 0 when the server is not on this machine
}

// newPGServer connects to the server at admin and finds its postmaster
// (the parent of the backend serving this connection), when the server
// runs on this machine.
func newPGServer(ctx context.Context, admin string) (*pgServer, error) {
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return nil, fmt.Errorf("connect to the PostgreSQL server: %w", err)
	}
	defer conn.Close(ctx)
	var pid int
	if err := conn.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		return nil, fmt.Errorf("PostgreSQL server: %w", err)
	}
	s := &pgServer{admin: admin}
	if st, err := readProcStat(pid); err == nil {
		if parent, err := readProcStat(st.ppid); err == nil && parent.comm == "postgres" {
			s.postmaster = st.ppid
		}
	}
	return s, nil
}

// create creates the empty database name (dropping one left by an earlier
// run) and returns its URL.
func (s *pgServer) create(ctx context.Context, name string) (string, error) {
	if err := s.exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`); err != nil {
		return "", err
	}
	if err := s.exec(ctx, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", err
	}
	u, err := url.Parse(s.admin)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

// drop drops the database name.
func (s *pgServer) drop(ctx context.Context, name string) error {
	return s.exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`)
}

func (s *pgServer) exec(ctx context.Context, q string) error {
	conn, err := pgx.Connect(ctx, s.admin)
	if err != nil {
		return fmt.Errorf("connect to the PostgreSQL server: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, q); err != nil {
		return fmt.Errorf("%s: %w", q, err)
	}
	return nil
}

// commits returns the transactions committed in the database name so far,
// as the server's statistics have them: a backend reports its own when it
// goes idle (at most once a second) or ends, so read them after the
// measured clients closed their connections. pg_stat_force_next_flush
// makes this connection's own reports current.
func (s *pgServer) commits(ctx context.Context, name string) (int64, error) {
	conn, err := pgx.Connect(ctx, s.admin)
	if err != nil {
		return 0, fmt.Errorf("connect to the PostgreSQL server: %w", err)
	}
	defer conn.Close(ctx)
	var n int64
	err = conn.QueryRow(ctx, `SELECT coalesce((SELECT xact_commit FROM pg_stat_database WHERE datname = $1), 0)`, name).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("pg_stat_database: %w", err)
	}
	return n, nil
}

// cpu returns the CPU time (user+system) the server's processes spent so
// far: the postmaster's own and its children's, those alive and those it
// reaped (a backend whose connection closed). ok is false when the
// server is not on this machine or /proc cannot be read.
func (s *pgServer) cpu() (d time.Duration, ok bool) {
	if s.postmaster == 0 {
		return 0, false
	}
	pm, err := readProcStat(s.postmaster)
	if err != nil {
		return 0, false
	}
	total := pm.utime + pm.stime + pm.cutime + pm.cstime
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, false
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, err := readProcStat(pid); err == nil && st.ppid == s.postmaster {
			total += st.utime + st.stime
		}
	}
	return ticks(total), true
}

// A procStat is what this program reads of /proc/PID/stat.
type procStat struct {
	comm                         string
	ppid                         int
	utime, stime, cutime, cstime int64 // clock ticks
}

// readProcStat reads /proc/PID/stat (Linux).
func readProcStat(pid int) (procStat, error) {
	var st procStat
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return st, err
	}
	// pid (comm) state ppid ...: comm may hold spaces and parentheses.
	line := string(b)
	open, end := strings.IndexByte(line, '('), strings.LastIndexByte(line, ')')
	if open < 0 || end < open {
		return st, errors.New("unexpected /proc stat line")
	}
	st.comm = line[open+1 : end]
	f := strings.Fields(line[end+1:])
	// After comm: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
	if len(f) < 15 {
		return st, errors.New("short /proc stat line")
	}
	st.ppid, _ = strconv.Atoi(f[1])
	for i, p := range []*int64{&st.utime, &st.stime, &st.cutime, &st.cstime} {
		*p, _ = strconv.ParseInt(f[11+i], 10, 64)
	}
	return st, nil
}

// procCPU returns the CPU time (user+system) of the live process pid.
func procCPU(pid int) (time.Duration, error) {
	st, err := readProcStat(pid)
	if err != nil {
		return 0, err
	}
	return ticks(st.utime + st.stime), nil
}

// procPeakRSS returns the peak resident memory of the live process pid
// (VmHWM), in bytes.
func procPeakRSS(pid int) (int64, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, errors.New("no VmHWM in /proc status")
}

// ticks converts clock ticks (USER_HZ, 100 on Linux) to a duration.
func ticks(n int64) time.Duration { return time.Duration(n) * (time.Second / 100) }
