package fixes

import (
	"strings"

	"github.com/harden-dev/harden/transform"
)

// Healthcheck reports a final image without HEALTHCHECK.
var Healthcheck = &transform.Fix{
	Name:          "missing-healthcheck",
	Summary:       "Declare a HEALTHCHECK for the service the image runs",
	Also:          []string{"DS026"},
	Applicability: transform.DisplayOnly,
	Severity:      transform.Info,
	Check:         checkHealthcheck,
	Doc: `What it reports
  A final stage that runs a service (it EXPOSEs a port and sets CMD or
  ENTRYPOINT) without a HEALTHCHECK in it or the stages it is built from.

Why
  Without one, Docker and Compose see a container whose process runs as
  healthy even when it no longer answers.

The fix a person should make (harden cannot: it does not know how the
service answers)
      HEALTHCHECK --interval=30s --timeout=3s CMD ["/app", "healthcheck"]
  or, when the image has curl or wget:
      HEALTHCHECK CMD wget -q --spider http://localhost:8080/healthz || exit 1
  Kubernetes ignores HEALTHCHECK: declare probes there instead, and use
  "HEALTHCHECK NONE" to say so.`,
}

func checkHealthcheck(pass *transform.Pass) {
	doc := pass.Doc
	st := doc.FinalStage()
	if st == nil {
		return
	}
	facts := doc.Facts(st)
	if len(facts.Ports) == 0 || facts.Cmd == nil && facts.Entrypoint == nil {
		return
	}
	for _, s := range doc.Chain(st) {
		for _, n := range s.Nodes {
			if strings.EqualFold(n.Value, "healthcheck") {
				return
			}
		}
	}
	pass.Reportf(st.From.StartLine, "the image runs a service (EXPOSE %s) but declares no HEALTHCHECK", facts.Ports[0].Spec)
}
