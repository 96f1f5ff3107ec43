package config

import (
	"fmt"
	"strconv"
	"strings"
)

// ByteSize is a size in bytes that a flag takes as a whole number with an
// optional unit: 65536, 64KB, 100MB, 1GB. The units are powers of 1024
// (KB = KiB = K = 1024 bytes).
type ByteSize int64

// Sizes of the units ByteSize knows.
const (
	KB ByteSize = 1 << 10
	MB ByteSize = 1 << 20
	GB ByteSize = 1 << 30
)

// unitSize is the size of the unit called name (upper case), and whether
// there is one.
func unitSize(name string) (ByteSize, bool) {
	switch name {
	case "", "B":
		return 1, true
	case "K", "KB", "KIB":
		return KB, true
	case "M", "MB", "MIB":
		return MB, true
	case "G", "GB", "GIB":
		return GB, true
	}
	return 0, false
}

// Set parses s, as flag.Value.
func (b *ByteSize) Set(s string) error {
	v := strings.ToUpper(strings.TrimSpace(s))
	digits := len(v) - len(strings.TrimLeft(v, "0123456789"))
	unit, ok := unitSize(strings.TrimSpace(v[digits:]))
	n, err := strconv.ParseInt(v[:digits], 10, 64)
	if !ok || err != nil || n > (1<<62)/int64(unit) {
		return fmt.Errorf("%q is not a size: use a whole number of bytes, KB, MB or GB (like 100MB)", s)
	}
	*b = ByteSize(n) * unit
	return nil
}

// String is the size in the largest unit that states it exactly: 100MB.
func (b ByteSize) String() string {
	for _, u := range []struct {
		name string
		size ByteSize
	}{{"GB", GB}, {"MB", MB}, {"KB", KB}} {
		if b != 0 && b%u.size == 0 {
			return strconv.FormatInt(int64(b/u.size), 10) + u.name
		}
	}
	return strconv.FormatInt(int64(b), 10)
}
