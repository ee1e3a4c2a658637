// Package integrations tests the files through which harden meets its users
// outside the CLI: the pre-commit hooks (.pre-commit-hooks.yaml) and the
// GitHub Action (action.yml) at the repository root, with the real tools
// (pre-commit, actionlint); and the claims of fixes about the programs
// they edit commands for, against those programs (GnuPG, BusyBox). It has
// no code of its own.
package integrations
