package fixes

import (
	"strconv"

	"github.com/harden-dev/harden/transform"
)

// UseraddNoLogInit adds -l to useradd with a large UID.
var UseraddNoLogInit = &transform.Fix{
	Name:          "useradd-no-log-init",
	Summary:       "Add -l to useradd with a large UID",
	Also:          []string{"DL3046"},
	Applicability: transform.Safe,
	Severity:      transform.Warning,
	Check:         checkUseraddNoLogInit,
	Example: `FROM debian:bookworm-slim
RUN useradd -u 1000001 app
`,
	Doc: `What it does
  Adds -l (--no-log-init) right after useradd when it creates a user with a
  numeric UID of 100000 or more and does not pass -l already.

Why
  useradd writes the new user's entry into /var/log/lastlog and faillog at
  the offset of its UID: a sparse file that the image layer stores in full,
  hundreds of MB for a large UID. -l skips those logs, which nothing in a
  container reads.

What it will not do
  It leaves UIDs given by variables alone, and adduser (which has no such
  option).`,
}

func checkUseraddNoLogInit(pass *transform.Pass) {
	doc := pass.Doc
	stageRuns(doc, func(_ *transform.Stage, _ int, n *parserNode) {
		for _, c := range calls(doc, n) {
			if c.name != "useradd" {
				continue
			}
			cmd := commandOf(c)
			uid, ok := cmd.Option("-u", "--uid")
			if !ok || !uid.Literal || cmd.Has("-l", "--no-log-init") {
				continue
			}
			if u, err := strconv.Atoi(uid.Value); err != nil || u < 100000 {
				continue
			}
			f := transform.Finding{Line: lineOf(doc, c.sh, c.stmt), Message: "useradd with UID " + uid.Value + " writes a lastlog as large as the UID"}
			if e, ok := c.sh.InsertWordAfter(c.progWord(), "-l"); ok {
				f.Title, f.Edits = "Add -l to useradd", []transform.Edit{e}
			}
			pass.Report(f)
		}
	})
}
