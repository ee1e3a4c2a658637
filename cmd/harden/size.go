package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/harden-dev/harden/internal/runner"
)

// sizeFlag is a byte count given as 1048576, 512KiB, 1MiB or 2M (K, M and G
// are powers of 1024, with or without "iB" or "B").
type sizeFlag int64

func (s *sizeFlag) String() string { return runner.FormatSize(int64(*s)) }
func (s *sizeFlag) Type() string   { return "SIZE" }

func (s *sizeFlag) Set(v string) error {
	n, err := parseSize(v)
	if err != nil {
		return err
	}
	*s = sizeFlag(n)
	return nil
}

func parseSize(v string) (int64, error) {
	t := strings.TrimSpace(v)
	num := strings.TrimRightFunc(t, func(r rune) bool { return r < '0' || r > '9' })
	unit := strings.ToUpper(strings.TrimSpace(t[len(num):]))
	unit = strings.TrimSuffix(strings.TrimSuffix(unit, "B"), "I")
	shift, ok := map[string]uint{"": 0, "K": 10, "M": 20, "G": 30}[unit]
	n, err := strconv.ParseInt(num, 10, 64)
	if !ok || err != nil || n <= 0 || n > (1<<40)>>shift {
		return 0, fmt.Errorf("%q is not a size: give bytes, or a number with KiB, MiB or GiB (at most 1TiB)", v)
	}
	return n << shift, nil
}
