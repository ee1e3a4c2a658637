package transform

import (
	"fmt"
	"sort"
	"strings"
)

// Edit replaces the bytes [Start, End) of the original source with New.
// Start == End inserts.
type Edit struct {
	Start, End int
	New        string
}

func (e Edit) String() string { return fmt.Sprintf("[%d,%d)→%q", e.Start, e.End, e.New) }

// validate checks that edits lie inside a source of length n and do not
// overlap one another. Two insertions at the same offset are allowed within a
// single finding: they keep their given order.
func validateEdits(edits []Edit, n int) error {
	for _, e := range edits {
		if e.Start < 0 || e.End < e.Start || e.End > n {
			return fmt.Errorf("edit %v out of range [0,%d]", e, n)
		}
	}
	s := sortedEdits(edits)
	for i := 1; i < len(s); i++ {
		if s[i].Start < s[i-1].End {
			return fmt.Errorf("edits %v and %v overlap", s[i-1], s[i])
		}
	}
	return nil
}

// sortedEdits returns a copy of edits ordered by position; insertions at the
// same offset keep their relative order.
func sortedEdits(edits []Edit) []Edit {
	s := append([]Edit(nil), edits...)
	sort.SliceStable(s, func(i, j int) bool {
		if s[i].Start != s[j].Start {
			return s[i].Start < s[j].Start
		}
		return s[i].End < s[j].End
	})
	return s
}

// ApplyEdits returns src with the edits applied. The edits must be valid
// (see validateEdits): every byte outside them is copied unchanged.
func ApplyEdits(src []byte, edits []Edit) ([]byte, error) {
	if err := validateEdits(edits, len(src)); err != nil {
		return nil, err
	}
	s := sortedEdits(edits)
	var b strings.Builder
	grow := len(src)
	for _, e := range s {
		grow += len(e.New) - (e.End - e.Start)
	}
	if grow > 0 {
		b.Grow(grow)
	}
	last := 0
	for _, e := range s {
		b.Write(src[last:e.Start])
		b.WriteString(e.New)
		last = e.End
	}
	b.Write(src[last:])
	return []byte(b.String()), nil
}

// conflicts reports whether any edit in a touches or overlaps any in b.
// Insertions at the same offset conflict too: their order would be arbitrary.
func conflicts(a, b []Edit) bool {
	for _, x := range a {
		for _, y := range b {
			if (x.Start < y.End && y.Start < x.End) || x.Start == y.Start {
				return true
			}
		}
	}
	return false
}
