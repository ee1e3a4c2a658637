package transform

import (
	"bytes"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// BenchmarkCorpusParseBare is bare buildkit parser.Parse over the corpus:
// the yardstick for BenchmarkCorpusSpans.
func BenchmarkCorpusParseBare(b *testing.B) {
	files := loadCorpus(b)
	b.ReportAllocs()
	for b.Loop() {
		for _, f := range files {
			parser.Parse(bytes.NewReader(f.src))
		}
	}
}

// BenchmarkCorpusSpans parses every corpus file into a Document and
// computes the spans and the shell parse of every instruction.
func BenchmarkCorpusSpans(b *testing.B) {
	files := loadCorpus(b)
	b.ReportAllocs()
	for b.Loop() {
		for _, f := range files {
			d, err := Parse(f.name, f.src)
			if err != nil {
				continue
			}
			for _, n := range d.Instructions() {
				d.Inst(n)
				d.Shell(n)
			}
		}
	}
}

// BenchmarkCorpusDocument is Parse alone (buildkit's parser and
// instructions packages plus the line index), without spans.
func BenchmarkCorpusDocument(b *testing.B) {
	files := loadCorpus(b)
	b.ReportAllocs()
	for b.Loop() {
		for _, f := range files {
			Parse(f.name, f.src)
		}
	}
}
