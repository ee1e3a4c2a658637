package resolve

import (
	"context"
	"errors"
	"net"

	"github.com/harden-dev/harden/transform"
)

// The kinds of failure a lookup reports. Backends wrap their cause with one
// of these (fmt.Errorf("%w: %w", ErrNotFound, cause)) so that callers can
// tell them apart with errors.Is whatever the backend.
var (
	// ErrNotFound: the registry has no such repository or tag, or the URL
	// answered 404 or 410.
	ErrNotFound = errors.New("not found")
	// ErrUnauthorized: the server refused the credentials or asked for
	// some (401, 403).
	ErrUnauthorized = errors.New("unauthorized")
	// ErrTimeout: the lookup ran out of time.
	ErrTimeout = errors.New("timeout")
	// ErrNotInLock: an offline lookup of a key the lock file does not hold.
	// It is transform.ErrNotInLock, so that fixes can tell it apart.
	ErrNotInLock = transform.ErrNotInLock
)

// LookupError is the error of one lookup: the kind of key, the key, and
// the cause, which wraps one of the Err values above when it is known.
type LookupError struct {
	Kind string // "image", "config" or "url"
	Key  string // normalised image reference, digest reference or URL
	Err  error
}

func (e *LookupError) Error() string { return e.Kind + " " + e.Key + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *LookupError) Unwrap() error { return e.Err }

// IsTimeout reports whether err comes from a deadline: a context deadline or
// a network timeout. Backends use it to classify their errors as ErrTimeout.
func IsTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrTimeout) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
