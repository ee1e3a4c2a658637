# harden — build, test and measure.
GO      ?= go
BIN     ?= bin/harden
CORPUS  ?= ../shared/corpus
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)

FUZZTIME ?= 30s

.PHONY: all build test lint fuzz bench install clean corpus-report

all: lint test build

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/harden

# The corpus tests skip when the corpus is missing (HARDEN_REQUIRE_CORPUS=1
# makes that a failure, as .ci/run does); say so, since go test hides it.
test:
	$(GO) test ./...
	@[ -n "$$HARDEN_CORPUS" ] || [ -f "$(CORPUS)/MANIFEST.tsv" ] || \
	  echo "note: corpus tests skipped: no corpus at $(CORPUS); run them with HARDEN_CORPUS=DIR make test"

# actionlint (pinned in tools/go.mod) checks the GitHub Action and the example
# workflows; through `uses: ./` in .github/workflows it checks action.yml too.
WORKFLOWS = $(wildcard .github/workflows/*.yml docs/workflows/*.yml)

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags e2e ./e2e
	cd tools && $(GO) tool actionlint -shellcheck= -pyflakes= $(addprefix ../,$(WORKFLOWS))

# Coverage-guided fuzzing, FUZZTIME per target (go test -fuzz runs one
# target at a time): the whole pipeline, seeded from the corpus and the
# golden inputs; and the engine's spans and shell offset maps.
fuzz:
	$(GO) test ./golden -run '^$$' -fuzz '^FuzzFix$$' -fuzztime $(FUZZTIME)
	$(GO) test ./transform -run '^$$' -fuzz '^FuzzSpans$$' -fuzztime $(FUZZTIME)

# harden over the corpus against bare buildkit parsing (files/s, allocations),
# and the harden binary over the corpus directory; pin-digest over 1,000
# Dockerfiles naming 50 images on a registry with 50 ms of latency (requests,
# wall time against its floor); memory against input size (64 KiB to 1 MiB,
# ordinary and ARG/ENV-heavy files): B/op, peak-B and B/in-B should stay
# proportional to the input.
bench:
	$(GO) test ./golden -run '^$$' -bench 'Corpus' -benchmem -count 3
	$(GO) test ./golden -run '^$$' -bench 'Size' -benchmem -benchtime 3x
	$(GO) test ./cmd/harden -run '^$$' -bench 'PinDigestCLI' -benchtime 5x -count 3

# Findings per rule before and after `harden fix --offline` (and --unsafe)
# over the corpus, what each default fix alone removes and introduces, the
# files changed and the promises; writes docs/corpus-report.md (committed).
corpus-report:
	$(GO) run ./golden/corpusreport -corpus $(or $(HARDEN_CORPUS),$(CORPUS)) -o docs/corpus-report.md

install:
	$(GO) install -trimpath -ldflags '$(LDFLAGS)' ./cmd/harden

clean:
	rm -rf bin

# Real image builds of original vs hardened Dockerfiles (as root; buildah, podman
# and stand-in base images made offline from Debian packages; see e2e/README.md).
E2E_CACHE ?= $(or $(HARDEN_E2E_CACHE),/var/cache/harden-e2e)
E2E_ENV   := HARDEN_E2E_CACHE=$(E2E_CACHE) CONTAINERS_CONF=$(E2E_CACHE)/containers.conf BUILDAH_ISOLATION=chroot

.PHONY: e2e clean-e2e

e2e:
	$(E2E_ENV) bash e2e/setup.sh
	bash e2e/forge/build-gitea.sh $(E2E_CACHE)/gitea   # once: ~10 min, cached
	$(E2E_ENV) $(GO) test -tags e2e ./e2e -v -count=1 -timeout 30m

clean-e2e:
	$(E2E_ENV) bash e2e/setup.sh --clean
