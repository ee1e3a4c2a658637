package images

import "testing"

func TestDistro(t *testing.T) {
	for _, c := range []struct {
		ref                  string
		debian, dpkgDev, yum bool
	}{
		{"debian:bookworm", true, false, false},
		{"python:3.12", true, true, false},
		{"python:3.12-slim", true, false, false},
		{"python:3.12-alpine", false, false, false},
		{"mirror.gcr.io/library/node:20", true, true, false},
		{"buildpack-deps:bookworm-curl", true, false, false},
		{"golang:1.22-windowsservercore-ltsc2022", false, false, false},
		{"alpine:3.20", false, false, false},
		{"centos:7", false, false, true},
		{"centos:centos7.9.2009", false, false, true},
		{"centos:8", false, false, false},
		{"centos", false, false, false},
		{"amazonlinux:2", false, false, true},
		{"amazonlinux:2023", false, false, false},
		{"registry.access.redhat.com/ubi7/ubi:7.9", false, false, true},
		{"rockylinux:9", false, false, false},
	} {
		if got := DebianBased(c.ref); got != c.debian {
			t.Errorf("DebianBased(%q) = %v", c.ref, got)
		}
		if got := HasDpkgDev(c.ref); got != c.dpkgDev {
			t.Errorf("HasDpkgDev(%q) = %v", c.ref, got)
		}
		if got := Yum3(c.ref); got != c.yum {
			t.Errorf("Yum3(%q) = %v", c.ref, got)
		}
	}
}
