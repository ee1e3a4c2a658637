package golden

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/harden-dev/harden/fixes"
	"github.com/harden-dev/harden/transform"
)

// The speed targets of harden, measured by `make bench`:
//   - BenchmarkCorpusEngine (parse, every instruction's spans and shell
//     parse and every stage's facts computed, no fix) within 3x of
//     BenchmarkCorpusParse (bare buildkit parser.Parse of the same files);
//   - BenchmarkCorpusFix (the whole pipeline: parse, every fix, apply,
//     re-parse to a fixpoint, diff, with all of the above computed), whose
//     ratio to BenchmarkCorpusParse is the price of the fixes themselves;
//   - BenchmarkCorpusCLI (the harden binary over the corpus directory) under
//     one second per run on a 2-core machine.
// Each reports files/s; -benchmem gives the allocations.

type corpusFile struct {
	name string
	src  []byte
}

func loadCorpus(b *testing.B) []corpusFile {
	dir := corpusDir(b)
	var out []corpusFile
	for _, name := range corpusFiles(b, dir) {
		src, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, corpusFile{name, src})
	}
	return out
}

func BenchmarkCorpusParse(b *testing.B) {
	files := loadCorpus(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, f := range files {
			parser.Parse(bytes.NewReader(f.src))
		}
	}
	b.ReportMetric(float64(len(files)*b.N)/b.Elapsed().Seconds(), "files/s")
}

// readEverything is a fix that reports nothing but computes what fixes can
// ask of the engine: the spans of every instruction, the shell parse of
// every RUN, CMD, ENTRYPOINT and HEALTHCHECK, and every stage's facts with
// the users and package commands its RUNs hold. With it the benchmark
// measures the engine with all of that computed, whichever fixes exist.
var readEverything = &transform.Fix{Name: "read-everything", Applicability: transform.Safe, Check: func(p *transform.Pass) {
	for _, n := range p.Doc.Instructions() {
		p.Doc.Inst(n)
		p.Doc.Shell(n)
	}
	for _, s := range p.Doc.Stages {
		f := p.Facts(s)
		f.Users()
		f.PackageCommands()
	}
}}

// BenchmarkCorpusEngine is the engine alone, with everything a fix can ask
// of it computed (readEverything) and no fix: the cost of the machinery
// every fix shares, which the 3x target is about.
func BenchmarkCorpusEngine(b *testing.B) {
	benchmarkCorpusRun(b, transform.Options{Fixes: []*transform.Fix{readEverything}, Offline: true})
}

// BenchmarkCorpusFix is the whole pipeline with every fix harden has.
func BenchmarkCorpusFix(b *testing.B) {
	benchmarkCorpusRun(b, transform.Options{Fixes: append(fixes.All(), readEverything), Offline: true})
}

func benchmarkCorpusRun(b *testing.B, opts transform.Options) {
	files := loadCorpus(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, f := range files {
			res, err := transform.Run(context.Background(), f.name, f.src, opts)
			if err == nil && res.Changed() {
				_ = res.Diff()
			}
		}
	}
	b.ReportMetric(float64(len(files)*b.N)/b.Elapsed().Seconds(), "files/s")
}

func BenchmarkCorpusCLI(b *testing.B) {
	dir := corpusDir(b)
	n := len(corpusFiles(b, dir))
	b.ResetTimer()
	for b.Loop() {
		cmd := exec.Command(hardenBin, "fix", "--offline", ".")
		cmd.Dir = dir
		cmd.Stdout = io.Discard
		if err := cmd.Run(); err != nil {
			if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 2 { // 2: the three files buildkit rejects
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "files/s")
}
