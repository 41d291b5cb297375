package alert

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/mail"
	"net/smtp"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/refeed/refeed/config"
)

// sendWebhook POSTs the message as JSON, with the alert's headers.
func (d *Dispatcher) sendWebhook(ctx context.Context, t *target, m *message) error {
	body, err := m.webhookJSON()
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	h := http.Header{}
	for k, v := range t.alert.WebhookHeaders {
		h.Set(k, v)
	}
	h.Set("Content-Type", "application/json")
	if err := d.post(ctx, t.alert.Webhook, h, body, len(t.alert.WebhookHeaders) > 0); err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	return nil
}

// sendNtfy POSTs the message to an ntfy topic, with the alert's access
// token as a bearer token.
func (d *Dispatcher) sendNtfy(ctx context.Context, t *target, m *message) error {
	h := http.Header{
		"Content-Type": {"text/plain; charset=utf-8"},
		"Title":        {headerValue(m.title())},
		"Tags":         {headerValue(m.topic.Slug)},
	}
	if !m.digest && m.items[0].Link != "" {
		h.Set("Click", clickValue(m.items[0].Link))
	}
	if t.alert.NtfyToken != "" {
		h.Set("Authorization", "Bearer "+t.alert.NtfyToken)
	}
	if err := d.post(ctx, t.alert.Ntfy, h, []byte(m.ntfyBody()), t.alert.NtfyToken != ""); err != nil {
		return fmt.Errorf("ntfy: %w", err)
	}
	return nil
}

// headerValue makes s safe as an HTTP header value: one line, and RFC 2047
// encoded words when it is not plain ASCII.
func headerValue(s string) string {
	return mime.BEncoding.Encode("UTF-8", oneLine(s))
}

// clickValue makes a link safe as a header value: percent-encoded when it
// is not plain ASCII (an encoded word only when that is not enough, as for
// an internationalized host name).
func clickValue(link string) string {
	link = oneLine(link)
	if !isASCII(link) {
		if u, err := url.Parse(link); err == nil {
			link = u.String()
		}
	}
	return headerValue(link)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// post POSTs body to u with the headers h; any 2xx answer is success.
// With secret set, h holds credentials: a redirect to another host is not
// followed, as Go's client would send that host every header but
// Authorization.
func (d *Dispatcher) post(ctx context.Context, u string, h http.Header, body []byte, secret bool) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return errors.New("invalid URL") // the error would show the URL, credentials included
	}
	req.Header = h
	if h.Get("User-Agent") == "" {
		ua := "refeed"
		if cfg, _ := d.current(); cfg.Fetch.UserAgent != "" {
			ua = cfg.Fetch.UserAgent
		}
		req.Header.Set("User-Agent", ua)
	}
	client := d.HTTPClient
	if secret {
		c, check := *client, client.CheckRedirect
		c.CheckRedirect = func(r *http.Request, via []*http.Request) error {
			if r.URL.Host != via[0].URL.Host || via[0].URL.Scheme == "https" && r.URL.Scheme != "https" {
				return fmt.Errorf("redirected to %s://%s: not followed, it would get the alert's credentials", r.URL.Scheme, r.URL.Host)
			}
			if check != nil {
				return check(r, via)
			}
			if len(via) >= 10 {
				return errors.New("stopped after 10 redirects")
			}
			return nil
		}
		client = &c
	}
	resp, err := client.Do(req)
	if err != nil {
		// A *url.Error names the URL, which may carry a token.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("POST: %w", err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		if s := excerpt(oneLine(string(answer)), 200); s != "" {
			return fmt.Errorf("POST: %s: %s", resp.Status, s)
		}
		return fmt.Errorf("POST: %s", resp.Status)
	}
	return nil
}

// sendEmail sends the message by SMTP.
func (d *Dispatcher) sendEmail(ctx context.Context, t *target, m *message) error {
	e := t.alert.Email
	from, err := mail.ParseAddress(e.From)
	if err != nil {
		return fmt.Errorf("email: from: %w", err)
	}
	var to []*mail.Address
	for _, s := range e.To {
		a, err := mail.ParseAddress(s)
		if err != nil {
			return fmt.Errorf("email: to %q: %w", s, err)
		}
		to = append(to, a)
	}
	msg, err := emailMessage(from, to, m, messageID(t.key, m, from.Address), d.Now())
	if err != nil {
		return fmt.Errorf("email: %w", err)
	}
	if err := d.smtpSend(ctx, e, from.Address, to, msg); err != nil {
		return fmt.Errorf("email via %s: %w", e.SMTP, err)
	}
	return nil
}

// emailMessage returns an RFC 5322 message of m, with the Message-ID id.
func emailMessage(from *mail.Address, to []*mail.Address, m *message, id string, now time.Time) ([]byte, error) {
	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	rcpts := make([]string, len(to))
	for i, a := range to {
		rcpts[i] = a.String()
	}
	header("From", from.String())
	header("To", strings.Join(rcpts, ",\r\n "))
	header("Subject", foldWords(mime.QEncoding.Encode("UTF-8", oneLine(m.emailSubject()))))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", id)
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	header("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	w := quotedprintable.NewWriter(&b)
	if _, err := w.Write([]byte(m.emailBody())); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// messageID returns the Message-ID of m sent to the alert with the key
// key from the address from: <HASH@DOMAIN>, where HASH is derived from the
// key, the topic and the set of the items' ids, and DOMAIN is that of from
// (refeed.invalid when it is not plain ASCII). The same alert of the same
// items, sent again after a failure, so has the same Message-ID, which
// lets mail clients tell it is the same message. A test message has a
// random one: every test is a message of its own.
func messageID(key string, m *message, from string) string {
	domain := from[strings.LastIndexByte(from, '@')+1:]
	if !isDomain(domain) {
		domain = "refeed.invalid"
	}
	if m.test {
		return "<" + strings.ToLower(rand.Text()) + "@" + domain + ">"
	}
	ids := make([]string, len(m.items))
	for i, e := range m.items {
		ids[i] = e.ID
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	h := sha256.New()
	for _, s := range append([]string{"refeed alert", key, m.topic.Slug}, ids...) {
		// Length-prefixed, so that no two lists hash alike.
		fmt.Fprintf(h, "%d:%s\n", len(s), s)
	}
	sum := h.Sum(nil)
	return "<" + hex.EncodeToString(sum[:16]) + "@" + domain + ">"
}

// isDomain reports whether s can be the right side of a Message-ID as it
// is: dot-separated ASCII letters, digits and hyphens.
func isDomain(s string) bool {
	if s == "" || strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// foldWords puts every encoded word of an encoded header value on a line
// of its own, to keep header lines short.
func foldWords(s string) string {
	return strings.ReplaceAll(s, "?= =?", "?=\r\n =?")
}

// smtpSend delivers msg from from to to by SMTP, within the dispatcher's
// timeout: over TLS from the start on port 465, else with STARTTLS when the
// server offers it, which it must when a password is to be sent.
func (d *Dispatcher) smtpSend(ctx context.Context, e *config.Email, from string, to []*mail.Address, msg []byte) error {
	host, port, err := net.SplitHostPort(e.SMTP)
	if err != nil {
		return err
	}
	dialer := net.Dialer{Timeout: min(d.Timeout, 10*time.Second)}
	conn, err := dialer.DialContext(ctx, "tcp", e.SMTP)
	if err != nil {
		return err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		if err := conn.SetDeadline(dl); err != nil {
			return err
		}
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	tlsConfig := &tls.Config{}
	if d.TLSConfig != nil {
		tlsConfig = d.TLSConfig.Clone()
	}
	if tlsConfig.ServerName == "" {
		tlsConfig.ServerName = host
	}
	implicitTLS := port == "465"
	if implicitTLS {
		conn = tls.Client(conn, tlsConfig)
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello(helloName()); err != nil {
		return err
	}
	if !implicitTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(tlsConfig); err != nil {
				return fmt.Errorf("STARTTLS: %w", err)
			}
		} else if e.Username != "" {
			return errors.New("the server does not offer STARTTLS: not sending the password in clear")
		}
	}
	if e.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", e.Username, e.Password, host)); err != nil {
			return fmt.Errorf("AUTH: %w", err)
		}
	}
	if err := c.Mail(from); err != nil {
		return fmt.Errorf("MAIL FROM: %w", err)
	}
	for _, a := range to {
		if err := c.Rcpt(a.Address); err != nil {
			return fmt.Errorf("RCPT TO %s: %w", a.Address, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	// The server accepted the message: a failing QUIT must not make it
	// send again.
	_ = c.Quit()
	return nil
}

// helloName is the name refeed greets SMTP servers with: the host's name
// when it is a domain name, else "localhost".
func helloName() string {
	if h, err := os.Hostname(); err == nil && strings.Contains(h, ".") {
		return h
	}
	return "localhost"
}
