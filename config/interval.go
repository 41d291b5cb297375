package config

import "time"

// Interval returns the time between the next two runs of a schedule spec
// after t, or 0 for an invalid spec.
func Interval(spec string, t time.Time) time.Duration {
	sc, err := ParseSchedule(spec)
	if err != nil {
		return 0
	}
	next := sc.Next(t)
	return sc.Next(next).Sub(next)
}
