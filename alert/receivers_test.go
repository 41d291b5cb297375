package alert_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// A request is what an HTTP receiver got.
type request struct {
	Path   string
	Header http.Header
	Body   []byte
	Status int // answered
}

// receiver is an HTTP server recording every request. A path in failing
// answers 500 as many times as it says before answering 200.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	requests []request
	failing  map[string]int
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{failing: map[string]int{}}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		status := http.StatusOK
		if r.failing[req.URL.Path] > 0 {
			r.failing[req.URL.Path]--
			status = http.StatusInternalServerError
		}
		r.requests = append(r.requests, request{Path: req.URL.Path, Header: req.Header.Clone(), Body: body, Status: status})
		r.mu.Unlock()
		if status != http.StatusOK {
			http.Error(w, "receiver is down", status)
		}
	}))
	t.Cleanup(r.Close)
	return r
}

// fail makes the next n requests to path fail.
func (r *receiver) fail(path string, n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failing[path] = n
}

// got returns the requests to path that succeeded, and how many failed.
func (r *receiver) got(path string) (ok []request, failed int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, req := range r.requests {
		switch {
		case req.Path != path:
		case req.Status == http.StatusOK:
			ok = append(ok, req)
		default:
			failed++
		}
	}
	return ok, failed
}

// A mail is what the SMTP server received.
type mail struct {
	From     string
	To       []string
	Data     []byte
	TLS      bool   // the message came over TLS
	AuthUser string // who authenticated
}

// mailServer is an SMTP server on loopback that offers STARTTLS with a
// self-signed certificate and requires AUTH PLAIN as user/secret.
type mailServer struct {
	Addr      string
	ClientTLS *tls.Config // trusts the server's certificate
	mu        sync.Mutex
	mails     []mail
	rejected  []mail // received but answered with an error
	reject    int    // how many more messages to reject after their data
}

const (
	smtpUser     = "refeed"
	smtpPassword = "s3cret"
)

// newMailServer starts an SMTP server; with tls, it offers STARTTLS.
func newMailServer(t *testing.T, withTLS bool) *mailServer {
	ms := &mailServer{}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{ms: ms, conn: c}, nil
	}))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 5*time.Second, 5*time.Second
	if withTLS {
		cert, pool := selfSigned(t)
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		ms.ClientTLS = &tls.Config{RootCAs: pool}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ms.Addr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ms
}

func (ms *mailServer) received() []mail {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return append([]mail(nil), ms.mails...)
}

type session struct {
	ms   *mailServer
	conn *smtp.Conn
	m    mail
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != smtpUser || password != smtpPassword {
			return errors.New("invalid credentials")
		}
		s.m.AuthUser = username
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.m.AuthUser == "" {
		return smtp.ErrAuthRequired
	}
	s.m.From = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.m.To = append(s.m.To, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.m.Data = b
	_, s.m.TLS = s.conn.TLSConnectionState()
	s.ms.mu.Lock()
	defer s.ms.mu.Unlock()
	if s.ms.reject > 0 {
		s.ms.reject--
		s.ms.rejected = append(s.ms.rejected, s.m)
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	s.ms.mails = append(s.ms.mails, s.m)
	return nil
}

// rejectNext makes the server answer the data of the next n messages with
// a temporary error.
func (ms *mailServer) rejectNext(n int) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ms.reject = n
}

// rejectedMails returns the messages the server received and rejected.
func (ms *mailServer) rejectedMails() []mail {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return append([]mail(nil), ms.rejected...)
}

func (s *session) Reset() { s.m = mail{AuthUser: s.m.AuthUser} }

func (s *session) Logout() error { return nil }

// selfSigned returns a certificate for 127.0.0.1 and a pool trusting it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "refeed test SMTP"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, pool
}
