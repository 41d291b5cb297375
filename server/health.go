package server

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// healthReport is the /healthz document.
type healthReport struct {
	Status  string         `json:"status"`          // "ok" or "unavailable"
	Error   string         `json:"error,omitempty"` // why the store is unavailable
	Sources []sourceReport `json:"sources"`
	Alerts  any            `json:"alerts,omitempty"`
	Cluster any            `json:"cluster,omitempty"`
}

type sourceReport struct {
	Name        string `json:"name"`
	URL         string `json:"url"`
	LastSuccess string `json:"last_success,omitempty"`
	LastAttempt string `json:"last_attempt,omitempty"`
	LastError   string `json:"last_error,omitempty"`
	Failures    int    `json:"failures"`
	NextRun     string `json:"next_run,omitempty"`
}

// serveHealth answers /healthz: 200 and status "ok" when at least one
// source has ever succeeded, or when no source is configured (there is
// nothing to wait for, and the server itself works); 503 and status
// "unavailable" while sources exist but none has ever succeeded, and
// whenever the store is unavailable (Options.StoreError), with the reason
// as "error".
func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) int {
	var sources []SourceHealth
	if s.health != nil {
		sources = s.health()
	}
	rep := healthReport{Status: "ok", Sources: make([]sourceReport, 0, len(sources))}
	ok := len(sources) == 0
	for _, src := range sources {
		ok = ok || !src.LastSuccess.IsZero()
		rep.Sources = append(rep.Sources, sourceReport{
			Name:        src.Name,
			URL:         src.URL,
			LastSuccess: rfc3339(src.LastSuccess),
			LastAttempt: rfc3339(src.LastAttempt),
			LastError:   src.LastError,
			Failures:    src.Failures,
			NextRun:     rfc3339(src.NextRun),
		})
	}
	if s.alerts != nil {
		rep.Alerts = s.alerts()
	}
	if s.cluster != nil {
		var err error
		if rep.Cluster, err = s.cluster(); err != nil {
			rep.Error, ok = err.Error(), false
		}
	}
	if s.storeError != nil {
		if err := s.storeError(); err != nil {
			rep.Error, ok = err.Error(), false
		}
	}
	code := http.StatusOK
	if !ok {
		rep.Status, code = "unavailable", http.StatusServiceUnavailable
	}
	body, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		s.log.Error("encoding health report", "err", err)
		return plainError(w, http.StatusInternalServerError)
	}
	body = append(body, '\n')
	h := w.Header()
	h["Content-Type"] = jsonType
	h["Cache-Control"] = noStore
	h["X-Content-Type-Options"] = nosniff
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
	return code
}

// rfc3339 formats t in UTC, or returns "" for the zero time.
func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
