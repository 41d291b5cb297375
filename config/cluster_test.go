package config

import (
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestCluster(t *testing.T) {
	all := []string{RoleFetch, RoleServe, RolePublish, RoleAlert}
	tests := []struct {
		name, yaml string
		vars       map[string]string
		want       Cluster
	}{
		{"defaults", "", nil, Cluster{Instance: defaultInstance(), Roles: all, Lease: 2 * time.Minute, Poll: time.Second, LeaderTTL: 15 * time.Second}},
		{"empty section", "cluster:\n", nil, Cluster{Instance: defaultInstance(), Roles: all, Lease: 2 * time.Minute, Poll: time.Second, LeaderTTL: 15 * time.Second}},
		{"every key", `cluster:
  instance: web-1.example_a
  roles: [serve, fetch]
  lease: 30s
  poll: 250ms
  leader_ttl: 5s
`, nil, Cluster{Instance: "web-1.example_a", Roles: []string{RoleServe, RoleFetch}, Lease: 30 * time.Second, Poll: 250 * time.Millisecond, LeaderTTL: 5 * time.Second}},
		{"a short lease halves the default poll", "cluster: {lease: 1s}\n", nil,
			Cluster{Instance: defaultInstance(), Roles: all, Lease: time.Second, Poll: 500 * time.Millisecond, LeaderTTL: 15 * time.Second}},
		{"bounds", "cluster: {instance: " + strings.Repeat("x", 64) + ", lease: 1s, poll: 10ms, leader_ttl: 1s}\n", nil,
			Cluster{Instance: strings.Repeat("x", 64), Roles: all, Lease: time.Second, Poll: 10 * time.Millisecond, LeaderTTL: time.Second}},
		{"poll at half the lease", "cluster: {lease: 2s, poll: 1s}\n", nil,
			Cluster{Instance: defaultInstance(), Roles: all, Lease: 2 * time.Second, Poll: time.Second, LeaderTTL: 15 * time.Second}},
		{"substituted", "cluster: {instance: \"${HOST}-a\", lease: \"${LEASE}\"}\n", map[string]string{"HOST": "h1", "LEASE": "90s"},
			Cluster{Instance: "h1-a", Roles: all, Lease: 90 * time.Second, Poll: time.Second, LeaderTTL: 15 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseWith(t, t.TempDir(), tt.yaml, tt.vars)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(c.Cluster, tt.want) {
				t.Errorf("cluster %+v\nwant    %+v", c.Cluster, tt.want)
			}
		})
	}
}

func TestClusterErrors(t *testing.T) {
	long := strings.Repeat("x", 65)
	tests := []struct {
		name, yaml string
		vars       map[string]string
		want       []string
	}{
		{"unknown key", "cluster:\n  instances: 3\n", nil, []string{
			`2:3: cluster: unknown key "instances" (allowed: instance, roles, lease, poll, leader_ttl)`,
		}},
		{"not a mapping", "cluster: web-1\n", nil, []string{
			`1:10: cluster: expected a mapping, got "web-1"`,
		}},
		{"empty instance", "cluster: {instance: \"\"}\n", nil, []string{
			`1:21: cluster.instance: must not be empty (leave it out for HOSTNAME-PID)`,
		}},
		{"empty instance from the environment", "cluster: {instance: \"${NAME}\"}\n", map[string]string{"NAME": ""}, []string{
			`1:21: cluster.instance: the value of ${NAME} is empty (leave instance out for HOSTNAME-PID)`,
		}},
		{"invalid instance", "cluster: {instance: \"web 1\"}\n", nil, []string{
			`1:21: cluster.instance: invalid instance name "web 1" (use 1 to 64 of A-Z, a-z, 0-9, ., _ and -)`,
		}},
		{"long instance", "cluster: {instance: " + long + "}\n", nil, []string{
			`1:21: cluster.instance: invalid instance name "` + long + `" (use 1 to 64 of A-Z, a-z, 0-9, ., _ and -)`,
		}},
		{"non-ASCII instance", "cluster: {instance: straße}\n", nil, []string{
			`1:21: cluster.instance: invalid instance name "straße" (use 1 to 64 of A-Z, a-z, 0-9, ., _ and -)`,
		}},
		{"unknown role", "cluster:\n  roles: [fetch, render, serve, alert, leader]\n", nil, []string{
			`2:18: cluster.roles[1]: unknown role "render" (allowed: fetch, serve, publish, alert)`,
			`2:40: cluster.roles[4]: unknown role "leader" (allowed: fetch, serve, publish, alert)`,
		}},
		{"duplicate role", "cluster:\n  roles:\n    - fetch\n    - serve\n    - fetch\n", nil, []string{
			`5:7: cluster.roles[2]: duplicate role "fetch" (first at line 3)`,
		}},
		{"no roles", "cluster: {roles: []}\n", nil, []string{
			`1:18: cluster.roles: must name at least one role (fetch, serve, publish, alert)`,
		}},
		{"null roles", "cluster:\n  roles:\n", nil, []string{
			`2:9: cluster.roles: must name at least one role (fetch, serve, publish, alert)`,
		}},
		{"one role, not a list", "cluster: {roles: fetch}\n", nil, []string{
			`1:18: cluster.roles: expected a list, got "fetch"`,
		}},
		{"short durations", "cluster: {lease: 999ms, poll: 9ms, leader_ttl: 0s}\n", nil, []string{
			`1:18: cluster.lease: must be at least 1s, got 999ms`,
			`1:31: cluster.poll: must be at least 10ms, got 9ms`,
			`1:48: cluster.leader_ttl: must be at least 1s, got 0s`,
		}},
		{"negative lease", "cluster: {lease: -2m}\n", nil, []string{
			`1:18: cluster.lease: must be at least 1s, got -2m0s`,
		}},
		{"poll above half the lease", "cluster:\n  lease: 10s\n  poll: 6s\n", nil, []string{
			`3:9: cluster.poll: must be at most 5s, half of cluster.lease (10s), got 6s`,
		}},
		{"poll above half the default lease", "cluster: {poll: 61s}\n", nil, []string{
			`1:17: cluster.poll: must be at most 1m0s, half of cluster.lease (2m0s), got 1m1s`,
		}},
		{"substituted poll", "cluster: {poll: \"${POLL}\"}\n", map[string]string{"POLL": "5ms"}, []string{
			`1:17: cluster.poll: the value of ${POLL} is less than 10ms`,
		}},
		{"not a duration", "cluster: {lease: 2}\n", nil, []string{
			`1:18: cluster.lease: invalid duration "2" (use a Go duration such as 30s, 15m or 720h)`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			compareLines(t, substErrors(t, t.TempDir(), tt.yaml, tt.vars), tt.want)
		})
	}
}

func TestHasRole(t *testing.T) {
	c, err := Parse([]byte("cluster: {roles: [serve, alert]}\n"), "config.yaml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	for role, want := range map[string]bool{RoleFetch: false, RoleServe: true, RolePublish: false, RoleAlert: true, "": false, "Serve": false} {
		if got := c.Cluster.HasRole(role); got != want {
			t.Errorf("HasRole(%q) = %v, want %v", role, got, want)
		}
	}
	c, err = Parse(nil, "config.yaml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, role := range []string{RoleFetch, RoleServe, RolePublish, RoleAlert} {
		if !c.Cluster.HasRole(role) {
			t.Errorf("by default, HasRole(%q) = false", role)
		}
	}
}

func TestDefaultInstance(t *testing.T) {
	got := defaultInstance()
	pid := "-" + strconv.Itoa(os.Getpid())
	if !validInstance(got) || !strings.HasSuffix(got, pid) {
		t.Errorf("defaultInstance() = %q, want a valid name ending in %s", got, pid)
	}
	if host, err := os.Hostname(); err == nil && validInstance(host) && len(host)+len(pid) <= maxInstance {
		if want := host + pid; got != want {
			t.Errorf("defaultInstance() = %q, want %q", got, want)
		}
	}
}
