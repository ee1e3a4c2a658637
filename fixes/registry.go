// Package fixes holds harden's fixes, one per file, each a *transform.Fix
// with its metadata at the top.
package fixes

import "github.com/harden-dev/harden/transform"

// All lists every fix in the order the engine runs them.
func All() []*transform.Fix {
	return []*transform.Fix{
		NonRootUser,
	}
}

// Lookup finds fixes by name or equivalent ID ("DL3002"); "ALL" matches every fix.
func Lookup(name string) []*transform.Fix {
	var out []*transform.Fix
	for _, f := range All() {
		if f.Matches(name) {
			out = append(out, f)
		}
	}
	return out
}
