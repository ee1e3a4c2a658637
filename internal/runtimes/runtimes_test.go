package runtimes

import "testing"

func TestRuntimeLookup(t *testing.T) {
	table := Default()
	for _, c := range []struct{ kind, builder, want string }{
		{GoStatic, "golang:1.22-alpine", "gcr.io/distroless/static-debian12:nonroot"},
		{GoCgo, "golang:1.22-bookworm", "gcr.io/distroless/base-debian12:nonroot"},
		{GoCgo, "golang:1.23-trixie", "gcr.io/distroless/base-debian13:nonroot"},
		{GoCgo, "golang:1.19", ""},
		{Rust, "rust:1-slim-bookworm", "gcr.io/distroless/cc-debian12:nonroot"},
		{Java, "maven:3.9.6-eclipse-temurin-21", "eclipse-temurin:21-jre"},
		{Java, "maven:3.8-openjdk-17", "eclipse-temurin:17-jre"},
		{Java, "gradle:7-jdk11-alpine", "eclipse-temurin:11-jre-alpine"},
		{Java, "eclipse-temurin:17.0.9_9-jdk-jammy", "eclipse-temurin:17-jre-jammy"},
		{Java, "maven:3.9", ""},
		{Python, "python:3.11", "python:3.11-slim"},
		{Python, "python:3.11-bookworm", "python:3.11-slim-bookworm"},
		{Python, "python:3.12-slim-bookworm", "python:3.12-slim-bookworm"},
		{Python, "python:${PY}", "python:${PY}-slim"},
		{Python, "python:3.11-alpine", ""},
		{Python, "python", "python:slim"},
		{Python, "debian:bookworm", ""},
		// node names the variant before -slim: 20-bookworm-slim, 20-slim.
		{Node, "node:18", "node:18-slim"},
		{Node, "node:20-bookworm", "node:20-bookworm-slim"},
		{Node, "node:20.11.1-bookworm-slim", "node:20.11.1-bookworm-slim"},
		{Node, "node:20-alpine3.19", "node:20-alpine"},
		{Node, "node", "node:slim"},
	} {
		_, got, err := table.Lookup(c.kind, c.builder)
		if got != c.want || (c.want == "") != (err != nil) {
			t.Errorf("%s %s: got %q, %v; want %q", c.kind, c.builder, got, err, c.want)
		}
	}
}

// A project's runtime images come before the table, for every kind the
// table knows for that builder; a tagged override applies to that tag only.
func TestTableWith(t *testing.T) {
	table := Default().With([]Override{
		{Builder: "golang", Runtime: "registry.example.com/base/static:1"},
		{Builder: "python:3.11", Runtime: "registry.example.com/base/python:{version}"},
	})
	for _, tc := range []struct{ kind, builder, want string }{
		{GoStatic, "golang:1.22", "registry.example.com/base/static:1"},
		{GoCgo, "golang:1.22-bookworm", "registry.example.com/base/static:1"},
		{Python, "python:3.11", "registry.example.com/base/python:3.11"},
		{Python, "python:3.12", "python:3.12-slim"},
		{Java, "maven:3-eclipse-temurin-17", "eclipse-temurin:17-jre"},
	} {
		rule, got, err := table.Lookup(tc.kind, tc.builder)
		if err != nil || got != tc.want {
			t.Errorf("%s %s: %q, %v; want %q", tc.kind, tc.builder, got, err, tc.want)
		}
		if tc.kind == Python && !rule.Has("python") {
			t.Errorf("%s: the override lost what the python rule knows of its runtime", tc.builder)
		}
	}
	if len(Default().With(nil)) != len(Default()) {
		t.Error("no override changed the table")
	}
}
