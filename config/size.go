package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Units of Size, as written in the file.
const (
	KB  Size = 1000
	MB       = 1000 * KB
	GB       = 1000 * MB
	KiB Size = 1024
	MiB      = 1024 * KiB
	GiB      = 1024 * MiB
)

// sizeUnit returns the factor of a unit (case-insensitive), or false.
func sizeUnit(unit string) (Size, bool) {
	switch strings.ToLower(unit) {
	case "", "b":
		return 1, true
	case "kb":
		return KB, true
	case "mb":
		return MB, true
	case "gb":
		return GB, true
	case "tb":
		return 1000 * GB, true
	case "kib":
		return KiB, true
	case "mib":
		return MiB, true
	case "gib":
		return GiB, true
	case "tib":
		return 1024 * GiB, true
	}
	return 0, false
}

// ParseSize parses a number of bytes written as a plain integer or as a
// number and a unit: B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB,
// TiB (powers of 1024), in any case, with an optional space between them.
// A fractional number (1.5GiB) is rounded down to whole bytes.
func ParseSize(s string) (Size, error) {
	s = strings.TrimSpace(s)
	i := strings.LastIndexAny(s, "0123456789.") + 1
	num, unit := s[:i], strings.TrimSpace(s[i:])
	mult, ok := sizeUnit(unit)
	if num == "" || !ok {
		return 0, fmt.Errorf("invalid size %q (use bytes or a size such as 512KiB, 20MiB or 1GB)", s)
	}
	if n, err := strconv.ParseInt(num, 10, 64); err == nil && n <= math.MaxInt64/int64(mult) && n >= math.MinInt64/int64(mult) {
		return Size(n) * mult, nil
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid size %q (use bytes or a size such as 512KiB, 20MiB or 1GB)", s)
	}
	f *= float64(mult)
	if f >= math.MaxInt64 || f <= math.MinInt64 {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return Size(f), nil
}

// String formats s with the largest binary unit that divides it, such as
// 20MiB, or as plain bytes.
func (s Size) String() string {
	for _, u := range []struct {
		size Size
		name string
	}{{GiB, "GiB"}, {MiB, "MiB"}, {KiB, "KiB"}} {
		if s != 0 && s%u.size == 0 {
			return fmt.Sprintf("%d%s", s/u.size, u.name)
		}
	}
	return strconv.FormatInt(int64(s), 10)
}
