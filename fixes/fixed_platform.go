package fixes

import (
	"strings"

	"github.com/harden-dev/harden/transform"
)

// FixedPlatform reports FROM --platform with a constant platform.
var FixedPlatform = &transform.Fix{
	Name:          "fixed-platform",
	Summary:       "Build stages for the target platform, not a platform written in FROM",
	Also:          []string{"DL3029"},
	Applicability: transform.DisplayOnly,
	Severity:      transform.Info,
	Check:         checkFixedPlatform,
	Example: `FROM --platform=linux/amd64 debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates
`,
	Doc: `What it reports
  FROM --platform=VALUE where VALUE names a platform (linux/amd64), not a
  build argument ($BUILDPLATFORM, $TARGETPLATFORM or an ARG).

Why
  The stage is built for that platform on every host and for every
  target: "docker build --platform linux/arm64" still gets an amd64 stage
  (run under emulation on an arm64 host), and a multi-platform build gets
  the same image for each platform.

Why harden does not change it
  Parfum (and a literal reading of hadolint's DL3029) removes the flag,
  which changes the image a build on another architecture produces: what
  was an emulated amd64 image becomes a native one, with other binaries,
  or fails to build where the base has no image for that platform. The
  author may need exactly that platform (a vendor binary for amd64 only).

The fix a person should make
  For a stage that only builds (a compiler that cross-compiles), use
  --platform=$BUILDPLATFORM and pass $TARGETOS/$TARGETARCH to the
  compiler. For the image itself, drop the flag if it should follow the
  target platform, or keep it on purpose and build with --platform.`,
}

func checkFixedPlatform(pass *transform.Pass) {
	fromPlatforms(pass.Doc, func(st *transform.Stage, _ *transform.Instruction, f transform.Flag) {
		if v := f.Value.Value; v != "" && !strings.Contains(v, "$") {
			pass.Reportf(st.From.StartLine, "FROM --platform=%s builds this stage for %s whatever platform the build targets", v, v)
		}
	})
}
