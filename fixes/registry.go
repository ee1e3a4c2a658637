// Package fixes holds harden's fixes, one per file, each a *transform.Fix
// with its metadata at the top.
package fixes

import (
	"fmt"
	"strings"

	"github.com/harden-dev/harden/transform"
)

// All lists every fix in the order the engine runs them.
func All() []*transform.Fix {
	return []*transform.Fix{
		MultiStage,
		NonRootUser,
		PinDigest,
		NoPipeToShell,
		AddChecksum,
		AptGetOverApt,
		AptUpdateAlone,
		AptGetYes,
		AptListsCleanup,
		AptNoInstallRecommends,
		ApkNoCache,
		YumYes,
		YumClean,
		PipNoCacheDir,
		MaintainerLabel,
		AddToCopy,
		EnvKeyValue,
		RedundantTargetPlatform,
		UseraddNoLogInit,
		WorkdirAbsolute,
		SudoAsRoot,
		CurlFail,
		WgetProgress,
		ExecForm,
		ShellPipefail,
		NpmCacheClean,
		GemNoDocument,
		ChecksumLine,
		ConfigureBuild,
		GemSystemCleanup,
		HTTPSURL,
		CurlLocation,
		GPGBatch,
		GPGKeyserver,
		GPGAscCleanup,
		TarArchiveCleanup,
		MktempCleanup,
		UsrSrcCleanup,
		SecretsInEnv,
		FixedPlatform,
		ExposeSSH,
		Healthcheck,
		UnpinnedPackages,
		RunCd,
	}
}

// Lookup finds fixes by name or equivalent ID ("DL3002"); "ALL" matches every fix.
func Lookup(name string) []*transform.Fix { return LookupIn(All(), name) }

// LookupIn is Lookup over the fixes of all.
func LookupIn(all []*transform.Fix, name string) []*transform.Fix {
	var out []*transform.Fix
	for _, f := range all {
		if f.Matches(name) {
			out = append(out, f)
		}
	}
	return out
}

// Select resolves --select and --ignore lists (names, equivalent IDs or
// ALL) into the fixes to run, in registry order, and the fixes named
// explicitly in selects (whose unsafe findings are then applied). An empty
// selects means every fix. An unknown name is an error: a typo must not
// silently select nothing.
func Select(selects, ignores []string) (run []*transform.Fix, explicit map[string]bool, err error) {
	return SelectFrom(All(), selects, ignores)
}

// SelectFrom is Select over the fixes of all, in their order (the CLI's
// tests give it fake fixes).
func SelectFrom(all []*transform.Fix, selects, ignores []string) (run []*transform.Fix, explicit map[string]bool, err error) {
	enabled := map[string]bool{}
	explicit = map[string]bool{}
	if len(selects) == 0 {
		selects = []string{"ALL"}
	}
	if err := resolve(all, "--select", selects, func(f *transform.Fix, name string) {
		enabled[f.Name] = true
		if !strings.EqualFold(name, "ALL") {
			explicit[f.Name] = true
		}
	}); err != nil {
		return nil, nil, err
	}
	if err := resolve(all, "--ignore", ignores, func(f *transform.Fix, _ string) { delete(enabled, f.Name) }); err != nil {
		return nil, nil, err
	}
	for _, f := range all {
		if enabled[f.Name] {
			run = append(run, f)
		}
	}
	return run, explicit, nil
}

// resolve calls do for every fix of all each name matches.
func resolve(all []*transform.Fix, flag string, names []string, do func(f *transform.Fix, name string)) error {
	for _, name := range names {
		name = strings.TrimSpace(name)
		matched := LookupIn(all, name)
		if len(matched) == 0 {
			return fmt.Errorf("%s: unknown fix %q (see 'harden rules')", flag, name)
		}
		for _, f := range matched {
			do(f, name)
		}
	}
	return nil
}
