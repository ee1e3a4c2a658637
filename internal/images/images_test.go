package images

import "testing"

func TestParseRef(t *testing.T) {
	for in, want := range map[string]Ref{
		"debian":                               {Repo: "debian"},
		"debian:bookworm-slim":                 {Repo: "debian", Tag: "bookworm-slim"},
		"docker.io/library/alpine:3.20":        {Repo: "alpine", Tag: "3.20"},
		"index.docker.io/library/node":         {Repo: "node"},
		"localhost:5000/app:v1":                {Registry: "localhost:5000", Repo: "app", Tag: "v1"},
		"gcr.io/distroless/static:nonroot":     {Registry: "gcr.io", Repo: "distroless/static", Tag: "nonroot"},
		"golang:1.22@sha256:abc":               {Repo: "golang", Tag: "1.22", Digest: "sha256:abc"},
		"myorg/app":                            {Repo: "myorg/app"},
		"MCR.microsoft.com/Windows/ServerCore": {Registry: "mcr.microsoft.com", Repo: "windows/servercore"},
	} {
		if got := ParseRef(in); got != want {
			t.Errorf("ParseRef(%q) = %+v, want %+v", in, got, want)
		}
	}
}

func TestLookup(t *testing.T) {
	type want struct {
		family  Family
		nonRoot bool
		ships   int // uid of the shipped user, 0 for none
		exempt  bool
	}
	for ref, w := range map[string]want{
		"debian:bookworm":                                    {family: Useradd},
		"ubuntu":                                             {family: Useradd},
		"docker.io/library/centos:7":                         {family: Useradd},
		"python:3.12-slim":                                   {family: Useradd},
		"python:3.12-alpine3.20":                             {family: BusyBox},
		"golang:alpine":                                      {family: BusyBox},
		"alpine:3.20":                                        {family: BusyBox},
		"busybox":                                            {family: BusyBox},
		"node:20":                                            {family: Useradd, ships: 1000},
		"node:20-alpine":                                     {family: BusyBox, ships: 1000},
		"scratch":                                            {family: Minimal},
		"gcr.io/distroless/static-debian12":                  {family: Minimal, ships: 65532},
		"gcr.io/distroless/base:nonroot":                     {family: Minimal, ships: 65532, nonRoot: true},
		"cgr.dev/chainguard/static":                          {family: Minimal, ships: 65532, nonRoot: true},
		"cgr.dev/chainguard/python:latest-dev":               {family: BusyBox, ships: 65532},
		"registry.access.redhat.com/ubi9/ubi":                {family: Useradd},
		"registry.access.redhat.com/ubi8":                    {family: Useradd},
		"registry.access.redhat.com/ubi9/python-311":         {family: Useradd, ships: 1001, nonRoot: true},
		"registry.access.redhat.com/ubi9/ubi-micro":          {family: Minimal},
		"mcr.microsoft.com/dotnet/aspnet:8.0":                {family: Useradd, ships: 1654},
		"mcr.microsoft.com/dotnet/aspnet:8.0-jammy-chiseled": {family: Minimal, ships: 1654, nonRoot: true},
		"mcr.microsoft.com/dotnet/aspnet:6.0":                {family: Useradd},
		"mcr.microsoft.com/windows/servercore:ltsc2022":      {family: Windows},
		"mcr.microsoft.com/windows/nanoserver:1809":          {family: Windows, nonRoot: true},
		"mcr.microsoft.com/dotnet/framework/runtime:4.8.1-windowsservercore-ltsc2022": {family: Windows},
		"mcr.microsoft.com/powershell:lts-nanoserver-1809":                            {family: Windows, nonRoot: true},
		"mcr.microsoft.com/windows/servercore/iis":                                    {family: Windows},
		"mcr.microsoft.com/dotnet/framework/runtime:4.8":                              {family: Windows},
		"mcr.microsoft.com/dotnet/framework/aspnet:4.8-windowsservercore-ltsc2022":    {family: Windows},
		"registry.redhat.io/ubi9/nodejs-18":                                           {family: Useradd, ships: 1001, nonRoot: true},
		"amazoncorretto:17-alpine":                                                    {family: BusyBox},
		"postgres:16":                                                                 {family: Useradd},
		"nginx:1.27-alpine":                                                           {family: BusyBox},
		"php:8.3-cli":                                                                 {family: Useradd},
		"php:8.3-fpm":                                                                 {family: Useradd},
		"quay.io/centos-bootc/centos-bootc:stream9":                                   {exempt: true},
		"mcr.microsoft.com/vscode/devcontainers/base:0-bullseye":                      {family: Useradd, ships: 1000},
		"ghcr.io/acme/tool:1.0-bookworm":                                              {family: Useradd},
		"ghcr.io/acme/tool:1.0":                                                       {family: Unknown},
	} {
		info := Lookup(ref)
		ships := 0
		if info.Ships != nil {
			ships = info.Ships.UID
		}
		got := want{info.Family, info.NonRoot, ships, info.Exempt != ""}
		if got != w {
			t.Errorf("Lookup(%q) = %+v, want %+v", ref, got, w)
		}
	}
	if Lookup("amazoncorretto:17").ShadowPackage != "shadow-utils" {
		t.Error("Amazon Corretto is Amazon Linux")
	}
	if Lookup("amazonlinux:2023").ShadowPackage != "shadow-utils" {
		t.Error("Amazon Linux needs shadow-utils for useradd")
	}
}

func TestMatch(t *testing.T) {
	for _, c := range []struct {
		pattern, name string
		want          bool
	}{
		{"node", "node", true},
		{"node", "nodes", false},
		{"*", "a/b/c", true},
		{"gcr.io/distroless/*", "gcr.io/distroless/static", true},
		{"mcr.microsoft.com/windows*", "mcr.microsoft.com/windows/servercore/iis", true},
		{"registry.access.redhat.com/ubi*-minimal", "registry.access.redhat.com/ubi8-minimal", true},
		{"registry.access.redhat.com/ubi*-minimal", "registry.access.redhat.com/ubi8", false},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "axxbyy", false},
	} {
		if got := Match(c.pattern, c.name); got != c.want {
			t.Errorf("match(%q, %q) = %v", c.pattern, c.name, got)
		}
	}
}

func TestIsRootUser(t *testing.T) {
	for v, want := range map[string]bool{
		"root": true, "0": true, "0:0": true, "root:root": true, "0:1000": true,
		"ContainerAdministrator": true, "00": true, "0000:0": true, "1000": false, "app": false, "1000:0": false, "rooter": false,
	} {
		if IsRootUser(v) != want {
			t.Errorf("IsRootUser(%q) = %v", v, !want)
		}
	}
}

func TestMirrorsAndWindowsNames(t *testing.T) {
	for ref, want := range map[string]Family{
		"mirror.gcr.io/library/node:20":             Useradd,
		"registry.example.com/library/node:20":      Useradd,
		"registry.example.com/team/node:20-alpine":  BusyBox,
		"public.ecr.aws/docker/library/python:3.12": Useradd,
		"myorg/node":                                   Unknown, // someone's own image on Docker Hub
		"mcr.microsoft.com/nanoserver:1809":            Windows,
		"mcr.microsoft.com/windows/nanoserver/insider": Windows,
		"python:3.12-windowsservercore-ltsc2022":       Windows,
		"golang:1.22-nanoserver-ltsc2022":              Windows,
		"microsoft/windowsservercore":                  Windows,
	} {
		if got := Lookup(ref).Family; got != want {
			t.Errorf("Lookup(%q).Family = %v, want %v", ref, got, want)
		}
	}
	if u := Lookup("mirror.gcr.io/library/node:20").Ships; u == nil || u.UID != 1000 {
		t.Errorf("a mirrored node image ships node (1000): %+v", u)
	}
	if !Lookup("mcr.microsoft.com/windows/nanoserver/insider").NonRoot {
		t.Error("Nano Server insider runs as ContainerUser")
	}
}
