package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/refeed/refeed/store"
)

// TestAlone: a process alone on the file takes over at once what a killed
// one left: its leased sources are due, its lead is void, its alert lease
// too.
func TestAlone(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), store.FileName)
	st, err := store.OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.SyncSources(ctx, []store.Schedule{{Name: "a", Host: "a.example", Digest: "1"}}, false); err != nil {
		t.Fatal(err)
	}
	if c, _, err := st.Claim(ctx, "dead", 1, time.Hour, 0); err != nil || len(c) != 1 {
		t.Fatalf("claim: %v %v", c, err)
	}
	if ld, err := st.Lead(ctx, store.Candidate{Owner: "dead", TTL: time.Hour, Candidate: true}); err != nil || !ld.Self {
		t.Fatalf("lead: %+v %v", ld, err)
	}
	if ok, err := st.ClaimAlert(ctx, "k", "dead", time.Hour); err != nil || !ok {
		t.Fatalf("claim alert: %v %v", ok, err)
	}
	if err := st.Alone(ctx); err != nil {
		t.Fatal(err)
	}
	if c, _, err := st.Claim(ctx, "next", 1, time.Hour, 0); err != nil || len(c) != 1 {
		t.Errorf("after Alone, claim = %v, %v; want the source left leased", c, err)
	}
	if ld, err := st.Lead(ctx, store.Candidate{Owner: "next", TTL: time.Hour, Candidate: true}); err != nil || !ld.Self || ld.Term < 2 {
		t.Errorf("after Alone, lead = %+v, %v; want a new term of next", ld, err)
	}
	if ok, err := st.ClaimAlert(ctx, "k", "next", time.Hour); err != nil || !ok {
		t.Errorf("after Alone, claim alert = %v, %v", ok, err)
	}
}
