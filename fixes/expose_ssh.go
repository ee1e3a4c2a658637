package fixes

import (
	"strings"

	"github.com/harden-dev/harden/transform"
)

// ExposeSSH reports EXPOSE 22.
var ExposeSSH = &transform.Fix{
	Name:          "expose-ssh",
	Summary:       "Do not run or expose SSH in a container",
	Also:          []string{"DS004"},
	Applicability: transform.DisplayOnly,
	Severity:      transform.Warning,
	Check:         checkExposeSSH,
	Doc: `What it reports
  EXPOSE of port 22 (as a number, 22/tcp, or from a variable whose value is
  22).

Why
  An SSH server in a container is a second way in, with its own keys and
  passwords to manage, and usually a root login.

The fix a person should make
  Remove the SSH server and the EXPOSE; reach a running container with
  "docker exec" or "kubectl exec", and copy files with "docker cp".`,
}

func checkExposeSSH(pass *transform.Pass) {
	doc := pass.Doc
	for _, st := range doc.Stages {
		for _, p := range doc.Facts(st).Ports {
			if doc.StageOf(p.Node) != st {
				continue // reported in its own stage
			}
			if n, ok := p.Number(); ok && n == 22 && !strings.EqualFold(p.Protocol(), "udp") {
				pass.Reportf(p.Node.StartLine, "EXPOSE %s publishes SSH", p.Spec)
			}
		}
	}
}
