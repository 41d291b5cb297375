// Package metrics defines refeed's Prometheus metrics.
//
// Every collector is registered on a registry the caller gives to [New];
// nothing is registered on the global default registry, so tests and
// several daemons in one process do not collide. The registry also gets the
// standard Go runtime and process collectors (go_*, process_*).
//
// The metrics, all prefixed refeed_:
//
//	refeed_fetch_duration_seconds{source}        histogram: time per fetch
//	refeed_fetch_results_total{source,result}    counter: ok, not_modified, error, skipped
//	refeed_feed_items{feed}                      gauge: items in each feed (topic slug or "all")
//	refeed_clean_removals_total{rule}            counter: removals per cleaning rule
//	refeed_http_requests_total{handler,code}     counter: feed, index, opml, healthz, metrics, other
//	refeed_http_request_duration_seconds{handler} histogram
//	refeed_alert_deliveries_total{topic,result}  counter: ok, error
//	refeed_alert_retries_total{topic}            counter
package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Values of the result label of FetchResults.
const (
	FetchOK          = "ok"
	FetchNotModified = "not_modified"
	FetchError       = "error"
	FetchSkipped     = "skipped"
)

// Values of the result label of AlertDeliveries.
const (
	AlertOK    = "ok"
	AlertError = "error"
)

// Values of the handler label of HTTPRequests and HTTPDuration.
const (
	HandlerFeed    = "feed"
	HandlerIndex   = "index"
	HandlerOPML    = "opml"
	HandlerHealthz = "healthz"
	HandlerMetrics = "metrics"
	HandlerInspect = "inspect"
	HandlerOther   = "other"
)

// Metrics holds refeed's collectors. Use the vectors directly, as in
// m.FetchResults.WithLabelValues(name, metrics.FetchOK).Inc(), or the helper
// methods.
type Metrics struct {
	// FetchDuration is the time a fetch of a source took, in seconds
	// (labels: source).
	FetchDuration *prometheus.HistogramVec
	// FetchResults counts fetches by outcome (labels: source, result: one
	// of FetchOK, FetchNotModified, FetchError, FetchSkipped).
	FetchResults *prometheus.CounterVec
	// TopicItems is the number of items in each published feed (labels:
	// feed: a topic slug or config.AllFeed).
	TopicItems *prometheus.GaugeVec
	// Removals counts what the cleaning rules removed (labels: rule).
	Removals *prometheus.CounterVec
	// HTTPRequests counts HTTP requests served (labels: handler: one of the
	// Handler constants, code: the status code).
	HTTPRequests *prometheus.CounterVec
	// HTTPDuration is the time spent serving HTTP requests, in seconds
	// (labels: handler).
	HTTPDuration *prometheus.HistogramVec
	// AlertDeliveries counts alert deliveries (labels: topic, result:
	// AlertOK or AlertError).
	AlertDeliveries *prometheus.CounterVec
	// AlertRetries counts retried alert deliveries (labels: topic).
	AlertRetries *prometheus.CounterVec
}

// New creates refeed's collectors and registers them, with the Go and
// process collectors, on reg. It panics if reg already holds any of them:
// that is a programming error (create one Metrics per registry).
func New(reg *prometheus.Registry) *Metrics {
	m := &Metrics{
		FetchDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "refeed_fetch_duration_seconds",
			Help:    "Time taken to fetch a source, in seconds.",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"source"}),
		FetchResults: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "refeed_fetch_results_total",
			Help: "Fetches of a source by result (ok, not_modified, error, skipped).",
		}, []string{"source", "result"}),
		TopicItems: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "refeed_feed_items",
			Help: `Number of items in a published feed (a topic slug, or "all").`,
		}, []string{"feed"}),
		Removals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "refeed_clean_removals_total",
			Help: "Things removed from items by a cleaning rule.",
		}, []string{"rule"}),
		HTTPRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "refeed_http_requests_total",
			Help: "HTTP requests served, by handler and status code.",
		}, []string{"handler", "code"}),
		HTTPDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "refeed_http_request_duration_seconds",
			Help:    "Time taken to serve an HTTP request, in seconds.",
			Buckets: []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1},
		}, []string{"handler"}),
		AlertDeliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "refeed_alert_deliveries_total",
			Help: "Alert deliveries by topic and result (ok, error).",
		}, []string{"topic", "result"}),
		AlertRetries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "refeed_alert_retries_total",
			Help: "Retried alert deliveries by topic.",
		}, []string{"topic"}),
	}
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.FetchDuration, m.FetchResults, m.TopicItems, m.Removals,
		m.HTTPRequests, m.HTTPDuration, m.AlertDeliveries, m.AlertRetries,
	)
	return m
}

// ObserveFetch records one fetch of source: its result (FetchOK,
// FetchNotModified, FetchError or FetchSkipped) and, unless it was skipped,
// how long it took.
func (m *Metrics) ObserveFetch(source, result string, took time.Duration) {
	m.FetchResults.WithLabelValues(source, result).Inc()
	if result != FetchSkipped {
		m.FetchDuration.WithLabelValues(source).Observe(took.Seconds())
	}
}

// ForgetSource deletes every series of a source removed from the
// configuration, so that it stops being exported.
func (m *Metrics) ForgetSource(source string) {
	m.FetchDuration.DeletePartialMatch(prometheus.Labels{"source": source})
	m.FetchResults.DeletePartialMatch(prometheus.Labels{"source": source})
}

// ForgetFeed deletes the item gauge of a feed removed from the
// configuration, and its alert counters.
func (m *Metrics) ForgetFeed(feed string) {
	m.TopicItems.DeletePartialMatch(prometheus.Labels{"feed": feed})
	m.AlertDeliveries.DeletePartialMatch(prometheus.Labels{"topic": feed})
	m.AlertRetries.DeletePartialMatch(prometheus.Labels{"topic": feed})
}
