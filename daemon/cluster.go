package daemon

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/refeed/refeed/config"
	"github.com/refeed/refeed/store"
)

// settings are the instance's cluster settings (config's cluster section),
// fixed at start: a reload keeps them.
type settings struct {
	instance                     string
	fetch, serve, publish, alert bool
	lease, poll, leaderTTL       time.Duration
}

// settingsOf returns the cluster settings of cfg.
func settingsOf(cfg *config.Config) settings {
	c := cfg.Cluster
	return settings{
		instance: c.Instance,
		fetch:    c.HasRole(config.RoleFetch), serve: c.HasRole(config.RoleServe),
		publish: c.HasRole(config.RolePublish), alert: c.HasRole(config.RoleAlert),
		lease: c.Lease, poll: c.Poll, leaderTTL: c.LeaderTTL,
	}
}

// roles lists the roles the instance has, for the log.
func (s settings) roles() []string {
	var out []string
	for _, r := range []struct {
		name string
		on   bool
	}{{"fetch", s.fetch}, {"serve", s.serve}, {"publish", s.publish}, {"alert", s.alert}} {
		if r.on {
			out = append(out, r.name)
		}
	}
	return out
}

// storeURL returns the URL of the PostgreSQL store of cfg, or "" for
// SQLite in the data directory.
func storeURL(cfg *config.Config) string { return string(cfg.Store) }

// storeStatus records the outcome of a coordination call to the store,
// for /healthz.
func (d *daemon) storeStatus(err error) {
	if err == nil {
		d.storeFailure.Store(nil)
		return
	}
	if errors.Is(err, store.ErrNotLeader) || errors.Is(err, store.ErrLeaseLost) {
		return
	}
	d.storeFailure.Store(&err)
}

// clusterReport is the "cluster" part of /healthz.
type clusterReport struct {
	Instance string   `json:"instance"`
	Roles    []string `json:"roles"`
	Leader   string   `json:"leader,omitempty"`
	Term     int64    `json:"term,omitempty"`
	Leading  bool     `json:"leading"`
	Skew     string   `json:"config_skew,omitempty"`
	// Instances are those the store saw lately, and whether each one's
	// configuration is the leader's.
	Instances []instanceReport `json:"instances,omitempty"`
}

type instanceReport struct {
	Name       string `json:"name"`
	Seen       string `json:"seen"`
	SameConfig bool   `json:"same_config"`
}

// clusterHealth reports the instance's part in the cluster for /healthz,
// and a problem that makes it unavailable: a configuration that differs
// from the leader's.
func (d *daemon) clusterHealth() (any, error) {
	if d.leader == nil {
		return nil, nil
	}
	ld := d.leader.Current()
	rep := clusterReport{Instance: d.set.instance, Roles: d.set.roles(), Leader: ld.Owner, Term: ld.Term, Leading: ld.Self}
	if st := d.currentStore(); st != nil && d.damaged() == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		// Seen within three renewals: alive.
		if ins, err := st.Instances(ctx, 3*d.set.leaderTTL); err == nil {
			for _, in := range ins {
				rep.Instances = append(rep.Instances, instanceReport{Name: in.Name, Seen: in.Seen.UTC().Format(time.RFC3339), SameConfig: ld.Owner != "" && in.Hash == ld.Hash})
			}
		}
	}
	var problem error
	if d.leader.Skewed() {
		rep.Skew = fmt.Sprintf("the configuration differs from the leader's (%s): not fetching or publishing until they match", ld.Owner)
		problem = errors.New(rep.Skew)
	}
	return rep, problem
}

// currentStore returns the store, once open.
func (d *daemon) currentStore() store.Store {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.store
}
