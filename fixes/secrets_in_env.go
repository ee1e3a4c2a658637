package fixes

import (
	"regexp"
	"strings"

	"github.com/harden-dev/harden/transform"
)

// SecretsInEnv reports secrets passed with ARG or ENV.
var SecretsInEnv = &transform.Fix{
	Name:          "secrets-in-arg-env",
	Summary:       "Pass secrets with RUN --mount=type=secret, not ARG or ENV",
	Also:          []string{"DL3064", "SecretsUsedInArgOrEnv", "DS031"},
	Applicability: transform.DisplayOnly,
	Severity:      transform.Error,
	Check:         checkSecretsInEnv,
	Doc: `What it reports
  ARG and ENV names that hold a secret by their name (password, passwd,
  secret, token, apikey, api_key, auth, credential(s), private_key…; not
  when "public" is part of the name), as buildkit's SecretsUsedInArgOrEnv
  check does.

Why
  ENV values are stored in the image config, and ARG values in the image
  history (docker history shows them) and in the build cache: anyone who
  can pull the image can read them.

The fix a person should make (harden cannot: the build command changes)
  Remove the ARG/ENV and mount the secret in the RUN that needs it:
      # syntax=docker/dockerfile:1
      RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN npm ci
  and build with "docker build --secret id=npm_token,env=NPM_TOKEN ." (or
  src=FILE). The secret never reaches a layer or the config.`,
}

var (
	secretName = regexp.MustCompile(`(?i)(?:^|_)(?:api_?key|auth|credentials?|passw(?:or)?d|pwd|private_?key|secret|token|access_?key)(?:_|$)`)
	publicName = regexp.MustCompile(`(?i)(?:^|_)public(?:_|$)`)
)

func checkSecretsInEnv(pass *transform.Pass) {
	doc := pass.Doc
	for _, n := range doc.Instructions() {
		kw := strings.ToUpper(n.Value)
		if kw != "ARG" && kw != "ENV" {
			continue
		}
		in := doc.Inst(n)
		if in == nil {
			continue
		}
		for _, p := range in.Pairs {
			k := p.Key.Value
			if secretName.MatchString(k) && !publicName.MatchString(k) {
				pass.Reportf(n.StartLine, "%s %s may hold a secret: it stays readable in the image (config or history)", kw, k)
			}
		}
	}
}
