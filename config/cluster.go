package config

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Defaults and bounds of the cluster settings.
const (
	defaultLease     = 2 * time.Minute
	defaultPoll      = time.Second
	defaultLeaderTTL = 15 * time.Second

	minLease     = time.Second
	minPoll      = 10 * time.Millisecond
	minLeaderTTL = time.Second

	maxInstance = 64 // bytes of an instance name
)

// roles are the roles of an instance, in the order messages list them.
var roles = []string{RoleFetch, RoleServe, RolePublish, RoleAlert}

// setClusterDefaults fills in the cluster settings the file leaves out.
// Poll defaults to 1s, or to half the lease when that is less, so that a
// short lease alone is valid.
func (d *decoder) setClusterDefaults(c *Cluster) {
	if !d.has("cluster.instance") {
		c.Instance = defaultInstance()
	}
	if !d.has("cluster.roles") {
		c.Roles = slices.Clone(roles)
	}
	if !d.has("cluster.lease") {
		c.Lease = defaultLease
	}
	if !d.has("cluster.poll") {
		c.Poll = defaultPoll
		if c.Lease >= minLease && c.Lease/2 < c.Poll {
			c.Poll = c.Lease / 2
		}
	}
	if !d.has("cluster.leader_ttl") {
		c.LeaderTTL = defaultLeaderTTL
	}
}

// defaultInstance is the name of an instance whose file names none:
// HOSTNAME-PID, the host name's characters that an instance name may not
// hold made -, and the host name shortened to fit.
func defaultInstance() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "refeed"
	}
	pid := strconv.Itoa(os.Getpid())
	host = strings.Map(func(r rune) rune {
		if r < 0x80 && validInstanceByte(byte(r)) {
			return r
		}
		return '-'
	}, host)
	if n := maxInstance - 1 - len(pid); len(host) > n {
		host = host[:n]
	}
	return host + "-" + pid
}

// validInstance reports whether s may name an instance.
func validInstance(s string) bool {
	if s == "" || len(s) > maxInstance {
		return false
	}
	for i := range len(s) {
		if !validInstanceByte(s[i]) {
			return false
		}
	}
	return true
}

func validInstanceByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-'
}

// checkCluster checks the cluster settings.
func (d *decoder) checkCluster(c *Cluster) {
	if p := "cluster.instance"; d.ok(p) {
		switch {
		case c.Instance == "":
			d.invalid(p, "is empty (leave instance out for HOSTNAME-PID)", "must not be empty (leave it out for HOSTNAME-PID)")
		case !validInstance(c.Instance):
			d.invalid(p, fmt.Sprintf("is not a valid instance name (use 1 to %d of A-Z, a-z, 0-9, ., _ and -)", maxInstance),
				"invalid instance name %q (use 1 to %d of A-Z, a-z, 0-9, ., _ and -)", c.Instance, maxInstance)
		}
	}
	allowed := strings.Join(roles, ", ")
	if p := "cluster.roles"; d.ok(p) {
		if len(c.Roles) == 0 {
			d.errorAt(p, "must name at least one role (%s)", allowed)
		}
		first := map[string]string{} // role → path of its first mention
		for i, r := range c.Roles {
			rp := indexPath(p, i)
			switch {
			case d.bad[rp]:
			case !slices.Contains(roles, r):
				d.invalid(rp, "is not a role (allowed: "+allowed+")", "unknown role %q (allowed: %s)", r, allowed)
			case first[r] != "":
				d.invalid(rp, fmt.Sprintf("is a duplicate role (first at line %d)", d.line(first[r])),
					"duplicate role %q (first at line %d)", r, d.line(first[r]))
			default:
				first[r] = rp
			}
		}
	}
	atLeast := func(path string, v, least time.Duration) bool {
		if !d.ok(path) {
			return !d.bad[path] // a default is valid
		}
		if v < least {
			d.invalid(path, "is less than "+least.String(), "must be at least %v, got %v", least, v)
			return false
		}
		return true
	}
	leaseOK := atLeast("cluster.lease", c.Lease, minLease)
	if atLeast("cluster.poll", c.Poll, minPoll) && leaseOK && c.Poll > c.Lease/2 {
		d.invalid("cluster.poll", fmt.Sprintf("is more than %v, half of cluster.lease (%v)", c.Lease/2, c.Lease),
			"must be at most %v, half of cluster.lease (%v), got %v", c.Lease/2, c.Lease, c.Poll)
	}
	atLeast("cluster.leader_ttl", c.LeaderTTL, minLeaderTTL)
}
