// Package websub announces changed feeds to WebSub hubs (W3C WebSub,
// "publish" pings as hubs such as the PubSubHubbub reference hub accept
// them), so that subscribers learn of new items without polling.
package websub

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// A Publisher pings hubs.
type Publisher struct {
	Client *http.Client
	// Attempts is how often a ping is tried (default 4); Backoff the delay
	// before the second attempt, doubled each time after (default 2s).
	Attempts int
	Backoff  time.Duration
	// UserAgent is sent with every ping.
	UserAgent string
}

// Announce tells every hub that the feeds at topics changed: one POST per
// hub, hub.mode=publish with one hub.url per topic. A hub that fails (an
// error, or a status other than 2xx) is retried with exponential backoff;
// the errors of hubs that never succeeded are returned, joined.
func (p *Publisher) Announce(ctx context.Context, hubs, topics []string) error {
	if len(hubs) == 0 || len(topics) == 0 {
		return nil
	}
	form := url.Values{"hub.mode": {"publish"}, "hub.url": topics}
	body := form.Encode()
	var errs []error
	for _, hub := range hubs {
		if err := p.ping(ctx, hub, body); err != nil {
			errs = append(errs, fmt.Errorf("websub publish to %s: %w", hub, err))
		}
	}
	return errors.Join(errs...)
}

func (p *Publisher) ping(ctx context.Context, hub, body string) error {
	attempts := p.Attempts
	if attempts <= 0 {
		attempts = 4
	}
	delay := p.Backoff
	if delay <= 0 {
		delay = 2 * time.Second
	}
	client := p.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	var err error
	for i := range attempts {
		if i > 0 {
			select {
			case <-time.After(delay):
				delay *= 2
			case <-ctx.Done():
				return errors.Join(err, ctx.Err())
			}
		}
		if err = p.post(ctx, client, hub, body); err == nil {
			return nil
		}
	}
	return fmt.Errorf("%d attempts: %w", attempts, err)
}

func (p *Publisher) post(ctx context.Context, client *http.Client, hub, body string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hub, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if p.UserAgent != "" {
		req.Header.Set("User-Agent", p.UserAgent)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}
