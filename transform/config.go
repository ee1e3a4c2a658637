package transform

// Config is the project's configuration that fixes read through the Pass
// (from .harden.yaml; see internal/config). The zero Config means every
// default.
type Config struct {
	// User is the non-root user a fix creates when the image has none
	// (the non-root-user fix); the zero User means the fix's default.
	User User
	// RuntimeImages are the project's runtime images for multi-stage
	// builds: the image the final stage of a build from Builder runs on
	// (the multi-stage fix puts them before its own table).
	RuntimeImages []RuntimeImage
}

// User is a user to create: its name (also the name of its primary group),
// uid and gid. Zero fields mean the fix's default.
type User struct {
	Name     string
	UID, GID int
}

// RuntimeImage maps a builder image (a repository such as "golang", or a
// repository:tag) to the runtime image the final stage may use instead.
type RuntimeImage struct {
	Builder, Runtime string
}
