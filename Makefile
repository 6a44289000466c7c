# berth: build, demo and test targets. `make demo` and `make test` each install what they
# need on a fresh Debian 12 machine (see contrib/install-deps.sh).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

# Go is installed in /usr/local/go, which a non-login shell may not have on PATH.
export PATH := $(PATH):/usr/local/go/bin
GO ?= go
# cgo for libseccomp (libcontainer/seccomp only; nsenter/ stays cgo-free). The binary is
# still static: `berth init` runs from it inside containers that have no libc.
CGO_ENABLED ?= 1
export CGO_ENABLED
# urfave_cli_no_template: cli's help without text/template, whose MethodByName turns off the
# linker's dead-method elimination for the whole binary (docs/performance.md, "Binary size").
GO_TAGS := urfave_cli_no_template netgo osusergo
# encoding/json on its v2 implementation (Go 1.27's default): decoding config.json or
# state.json no longer builds an encoder for every type the spec can reach, Windows and VMs
# included (exec ~3% and `run` ~1% less CPU, 20-26 fewer page faults, +450 KB of binary;
# docs/performance.md, "exec's stage 1 in the caller's memory, encoding/json v2, one
# command"). The unit tests run on it too; berth is also correct built without it. Only
# berth's own build and tests get it: the tools the tests build (crictl, the conformance
# suite) not.
BERTH_GO := GOEXPERIMENT=jsonv2 $(GO)

COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0-dev)
# -s -w: no symbol table, no DWARF (4.4 MB of 15); panics still print symbolized stacks
# (pclntab stays). Debug a build with `make berth GO_STRIP=`.
GO_STRIP ?= -s -w
GO_LDFLAGS := $(GO_STRIP) -X main.gitCommit=$(COMMIT) -X main.version=$(VERSION)

BUILD := $(CURDIR)/_build
RESULTS := $(BUILD)/results
BUNDLE := $(BUILD)/bundle
DEMO_ARGS := sh -c 'echo hello from berth; grep -E "^(Pid|CapEff)" /proc/self/status; hostname'

.DEFAULT_GOAL := berth
.PHONY: berth recvtty deps bench-deps bundle demo unit integration conformance test-vm test-engines test bench bench-vm clean

# The C library linked in: musl when musl-gcc is there (contrib/install-deps.sh installs
# it), else glibc. berth calls no libc itself; cgo's runtime does, and libseccomp. A static
# glibc costs every berth process its start-up probe of the CPU's caches (a few hundred
# cpuid instructions, each a trap to the hypervisor in a VM: ~0.5 ms here) and every
# runtime thread an 8 MB stack mapping and a malloc arena; musl has neither: `run` takes
# ~11% less CPU and ~100 fewer page faults, and the binary is 0.8 MB smaller
# (docs/performance.md, "musl instead of glibc"). libseccomp is Debian's static archive
# either way; with musl its headers and the kernel's come from a directory of links (musl
# keeps glibc's /usr/include out), and the musl tag adds the one glibc symbol it lacks.
MUSL_CC ?= $(shell command -v musl-gcc 2>/dev/null)
MUSL_INCLUDE := $(BUILD)/musl-include
# Recursive, so that they are expanded when berth is built, after `deps` in `make demo`.
BERTH_CGO = $(if $(MUSL_CC),CC=$(MUSL_CC) PKG_CONFIG=true CGO_CFLAGS=-I$(MUSL_INCLUDE) \
	CGO_LDFLAGS=$(shell gcc -print-file-name=libseccomp.a))
BERTH_TAGS = $(GO_TAGS)$(if $(MUSL_CC), musl)

# Always handed to go build: its own cache decides what is stale.
berth:
	$(if $(MUSL_CC),contrib/musl-include.sh $(MUSL_INCLUDE))
	$(BERTH_CGO) $(BERTH_GO) build -trimpath -tags "$(BERTH_TAGS)" -ldflags "$(GO_LDFLAGS) -extldflags -static" -o berth .

# The console-socket receiver the terminal tests use (and users may want).
recvtty:
	$(GO) build -trimpath -o $(BUILD)/recvtty ./contrib/cmd/recvtty

deps:
	contrib/install-deps.sh

bench-deps:
	contrib/install-deps.sh --bench

bundle: berth
	RUNTIME=$(CURDIR)/berth contrib/mkbundle.sh $(BUNDLE) $(DEMO_ARGS)

demo: deps berth bundle
	./berth run -b $(BUNDLE) demo-$$(head -c4 /dev/urandom | od -An -tx1 | tr -d ' \n')

unit:
	@mkdir -p $(RESULTS)
	$(BERTH_GO) vet ./...
	@unformatted=$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go')); \
	if [[ -n $$unformatted ]]; then echo "gofmt needed on: $$unformatted" >&2; exit 1; fi
	$(BERTH_GO) test -count=1 -v ./... 2>&1 | tee $(RESULTS)/unit.log | grep -E '^(ok|FAIL|panic)|--- FAIL' || true
	@contrib/count-results.sh go $(RESULTS)/unit.log > $(RESULTS)/unit.counts
	@! grep -qE '^(FAIL|panic)' $(RESULTS)/unit.log

# Creates take the one-runtime path where the config allows (libcontainer/planpath.go); the
# security suites run a second time with BERTH_NO_PLAN=1, through `berth init`, so every
# CVE-class test holds on both paths.
integration: berth recvtty
	@mkdir -p $(RESULTS)
	BERTH=$(CURDIR)/berth RECVTTY=$(BUILD)/recvtty bats --tap --timing --print-output-on-failure tests/integration \
		| tee $(RESULTS)/integration.tap
	@contrib/count-results.sh tap $(RESULTS)/integration.tap > $(RESULTS)/integration.counts
	BERTH_NO_PLAN=1 BERTH=$(CURDIR)/berth RECVTTY=$(BUILD)/recvtty bats --tap --timing --print-output-on-failure \
		tests/integration/security-*.bats | tee $(RESULTS)/integration-init.tap
	@contrib/count-results.sh tap $(RESULTS)/integration-init.tap > $(RESULTS)/integration-init.counts

conformance: berth
	@mkdir -p $(RESULTS)
	RUNTIME=$(CURDIR)/berth tests/conformance/run.sh | tee $(RESULTS)/conformance.log
	@tail -n1 $(RESULTS)/conformance.log | awk '{print $$1, $$3, $$5}' > $(RESULTS)/conformance.counts

# Pure cgroup v2 and the systemd driver, in throwaway VMs (tests/vm): ~1 min to build the image
# the first time, then a few minutes per run.
test-vm: berth
	@mkdir -p $(RESULTS)
	tests/vm/test.sh $(RESULTS)

# The real engines (podman, dockerd, containerd with ctr and CRI/crictl) running the runtime
# under test, each daemon private to the lane (tests/engines). BERTH=/usr/sbin/runc make
# test-engines runs the same lane with runc.
ENGINES_RUNTIME := $(or $(BERTH),$(CURDIR)/berth)
test-engines: berth
	@mkdir -p $(RESULTS)
	BERTH=$(ENGINES_RUNTIME) tests/engines/run.sh | tee $(RESULTS)/engines.tap
	@contrib/count-results.sh tap $(RESULTS)/engines.tap > $(RESULTS)/engines.counts

# Sequential on purpose: each stage needs the one before, and a failure stops the run.
test:
	@rm -rf $(RESULTS)
	$(MAKE) --no-print-directory deps
	$(MAKE) --no-print-directory berth
	$(MAKE) --no-print-directory unit
	$(MAKE) --no-print-directory integration
	$(MAKE) --no-print-directory conformance
	$(MAKE) --no-print-directory test-vm
	$(MAKE) --no-print-directory test-engines
	@contrib/count-results.sh total $(RESULTS)/*.counts

bench: bench-deps berth bundle
	contrib/bench.sh $(CURDIR)/berth $(BUNDLE)

# The same in the throwaway VM (pure cgroup v2), where crun runs too; ratios only (TCG).
bench-vm: berth bundle
	tests/vm/bench.sh

clean:
	rm -rf --one-file-system berth $(BUILD)
