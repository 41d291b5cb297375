package fetch

import (
	"context"
	"fmt"
	"net/url"
	"sync"
)

// A Result is the outcome of fetching one source.
type Result struct {
	// NotModified reports that the source did not change since the last
	// fetch; Feed is then nil.
	NotModified bool
	Feed        *Feed
	State       State
	// Status is the HTTP status of the answer (200 or 304), 0 for a file.
	Status int
}

// Source fetches and parses the feed at rawURL for the named source.
func (c *Client) Source(ctx context.Context, name, rawURL string, prev State) (*Result, error) {
	doc, err := c.Get(ctx, rawURL, prev)
	if err != nil {
		return nil, err
	}
	if doc.NotModified {
		return &Result{NotModified: true, State: doc.State, Status: doc.Status}, nil
	}
	feed, err := Parse(doc.Body, doc.ContentType, name, rawURL)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", c.public(rawURL), err)
	}
	return &Result{Feed: feed, State: doc.State, Status: doc.Status}, nil
}

// A Limiter bounds how many fetches run at once, in all and per host.
type Limiter struct {
	all     chan struct{}
	perHost int

	mu    sync.Mutex
	hosts map[string]chan struct{}
}

// NewLimiter returns a limiter allowing total fetches at once, and perHost
// at once to any one host.
func NewLimiter(total, perHost int) *Limiter {
	return &Limiter{
		all:     make(chan struct{}, max(total, 1)),
		perHost: max(perHost, 1),
		hosts:   map[string]chan struct{}{},
	}
}

// Acquire waits for a slot to fetch rawURL and returns the function that
// gives it back. It fails only when ctx ends first.
func (l *Limiter) Acquire(ctx context.Context, rawURL string) (release func(), err error) {
	host := ""
	if u, err := url.Parse(rawURL); err == nil {
		host = u.Hostname()
	}
	l.mu.Lock()
	h, ok := l.hosts[host]
	if !ok {
		h = make(chan struct{}, l.perHost)
		l.hosts[host] = h
	}
	l.mu.Unlock()
	select {
	case h <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case l.all <- struct{}{}:
	case <-ctx.Done():
		<-h
		return nil, ctx.Err()
	}
	return func() { <-l.all; <-h }, nil
}
