package metrics_test

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/metrics"
)

// use puts one series in every vector, so that they are gathered.
func use(m *metrics.Metrics) {
	m.ObserveFetch("tagesschau", metrics.FetchOK, 1500*time.Millisecond)
	m.ObserveFetch("tagesschau", metrics.FetchNotModified, 200*time.Millisecond)
	m.ObserveFetch("blog", metrics.FetchSkipped, 0)
	m.ObserveFetch("blog", metrics.FetchError, 30*time.Second)
	m.TopicItems.WithLabelValues(config.AllFeed).Set(120)
	m.TopicItems.WithLabelValues("politik").Set(42)
	m.Removals.WithLabelValues("tracking-params").Add(3)
	m.HTTPRequests.WithLabelValues(metrics.HandlerFeed, "200").Inc()
	m.HTTPDuration.WithLabelValues(metrics.HandlerFeed).Observe(0.0002)
	m.AlertDeliveries.WithLabelValues("politik", metrics.AlertOK).Inc()
	m.AlertRetries.WithLabelValues("politik").Inc()
}

func TestNew(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := metrics.New(reg)
	use(m)

	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, f := range fams {
		got[f.GetName()] = true
		if strings.HasPrefix(f.GetName(), "refeed_") && f.GetHelp() == "" {
			t.Errorf("%s has no help text", f.GetName())
		}
	}
	for _, name := range []string{
		"refeed_fetch_duration_seconds", "refeed_fetch_results_total", "refeed_feed_items",
		"refeed_clean_removals_total", "refeed_http_requests_total", "refeed_http_request_duration_seconds",
		"refeed_alert_deliveries_total", "refeed_alert_retries_total",
		"go_goroutines", "process_start_time_seconds",
	} {
		if !got[name] {
			t.Errorf("%s not gathered", name)
		}
	}

	// Names, units and help texts follow the Prometheus conventions.
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if strings.HasPrefix(p.Metric, "refeed_") {
			t.Errorf("lint: %s: %s", p.Metric, p.Text)
		}
	}

	// Nothing went to the global registry.
	global, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range global {
		if strings.HasPrefix(f.GetName(), "refeed_") {
			t.Errorf("%s registered globally", f.GetName())
		}
	}
}

func TestObserveFetch(t *testing.T) {
	m := metrics.New(prometheus.NewRegistry())
	use(m)
	if v := testutil.ToFloat64(m.FetchResults.WithLabelValues("tagesschau", metrics.FetchOK)); v != 1 {
		t.Errorf("ok fetches = %v", v)
	}
	if v := testutil.ToFloat64(m.FetchResults.WithLabelValues("blog", metrics.FetchSkipped)); v != 1 {
		t.Errorf("skipped fetches = %v", v)
	}
	// Two timed fetches of tagesschau, one of blog (the skip is not timed).
	if n := testutil.CollectAndCount(m.FetchDuration); n != 2 {
		t.Errorf("%d duration series, want 2", n)
	}
	const want = `
# HELP refeed_fetch_duration_seconds Time taken to fetch a source, in seconds.
# TYPE refeed_fetch_duration_seconds histogram
refeed_fetch_duration_seconds_bucket{source="blog",le="0.05"} 0
refeed_fetch_duration_seconds_bucket{source="blog",le="0.1"} 0
refeed_fetch_duration_seconds_bucket{source="blog",le="0.25"} 0
refeed_fetch_duration_seconds_bucket{source="blog",le="0.5"} 0
refeed_fetch_duration_seconds_bucket{source="blog",le="1"} 0
refeed_fetch_duration_seconds_bucket{source="blog",le="2.5"} 0
refeed_fetch_duration_seconds_bucket{source="blog",le="5"} 0
refeed_fetch_duration_seconds_bucket{source="blog",le="10"} 0
refeed_fetch_duration_seconds_bucket{source="blog",le="30"} 1
refeed_fetch_duration_seconds_bucket{source="blog",le="60"} 1
refeed_fetch_duration_seconds_bucket{source="blog",le="+Inf"} 1
refeed_fetch_duration_seconds_sum{source="blog"} 30
refeed_fetch_duration_seconds_count{source="blog"} 1
`
	m2 := metrics.New(prometheus.NewRegistry())
	m2.ObserveFetch("blog", metrics.FetchError, 30*time.Second)
	if err := testutil.CollectAndCompare(m2.FetchDuration, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
}

func TestForget(t *testing.T) {
	m := metrics.New(prometheus.NewRegistry())
	use(m)
	m.ForgetSource("tagesschau")
	if n := testutil.CollectAndCount(m.FetchResults); n != 2 {
		t.Errorf("%d result series after forgetting tagesschau, want 2 (blog)", n)
	}
	if n := testutil.CollectAndCount(m.FetchDuration); n != 1 {
		t.Errorf("%d duration series after forgetting tagesschau, want 1", n)
	}
	m.ForgetFeed("politik")
	if n := testutil.CollectAndCount(m.TopicItems); n != 1 {
		t.Errorf("%d item gauges after forgetting politik, want 1 (all)", n)
	}
	if n := testutil.CollectAndCount(m.AlertDeliveries) + testutil.CollectAndCount(m.AlertRetries); n != 0 {
		t.Errorf("%d alert series after forgetting politik", n)
	}
}

func TestNewTwiceOnOneRegistryPanics(t *testing.T) {
	reg := prometheus.NewRegistry()
	metrics.New(reg)
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	metrics.New(reg)
}

func TestSeparateRegistries(t *testing.T) {
	a, b := metrics.New(prometheus.NewRegistry()), metrics.New(prometheus.NewRegistry())
	a.Removals.WithLabelValues("x").Inc()
	if n := testutil.CollectAndCount(b.Removals); n != 0 {
		t.Errorf("registries share state: %d series", n)
	}
}
