# thriftsec: every command a developer or CI needs.
#
#   make demo   the calculator example end to end over mutual TLS
#   make test   everything CI runs: install missing peers, vet, unit, golden,
#               wire-compatibility against Apache Thrift, a short fuzz run
#   make interop  the cross-language matrix against Apache Thrift (Python,
#               Go) and thriftpy, over plain TCP, TLS and mutual TLS
#   make bench  generator speed on a 50,000-line IDL; codec benchmarks side
#               by side with Apache Thrift Go
#   make hostile  the full hostile-client suite against the real testserver
#               (make test runs its short version)
#   make soak   48 TLS clients for 60 s: no errors, flat goroutines and memory
#   make bench-peers  thriftsec next to Apache Thrift Go, Kitex, frugal and
#               gRPC-Go: codec and 1 KiB RPC tables in one run (BENCHTIME)
#   make fleet  the fleet suite under the race detector: balancing, ejection,
#               retries and DNS over real loopback servers, etcd discovery and
#               registration against a real etcd (contrib/etcd), the
#               process-level scenario (testserver processes in etcd, kill -9,
#               join, drain), and the balancer's overhead benchmarks (make
#               test runs the short suite)
#
# Tests never reach beyond loopback; peers come from Debian's packages and
# the Go module proxy.

GO        ?= go
FUZZTIME  ?= 15s
export GOFLAGS ?= -buildvcs=false

.PHONY: demo test deps vet unit fuzz wire interop bench bench-peers genbench hostile-short hostile soak fleet-short fleet

demo:
	./examples/calculator/demo.sh

test: deps vet unit hostile-short fleet-short fuzz wire interop

# deps installs what the wire-compatibility and interop suites need when it
# is missing: Apache Thrift's compiler and Python libraries (Debian), and
# Apache's Go library (module proxy, used only by interop/go.mod).
deps:
	@if ! command -v thrift >/dev/null 2>&1 || ! /usr/bin/python3 -c 'import thrift, thriftpy' >/dev/null 2>&1 || ! PATH="$$PATH:/usr/sbin" command -v haproxy >/dev/null 2>&1 \
		|| ! /usr/bin/python3 -c 'import cryptography.fernet' >/dev/null 2>&1 || [ ! -d /usr/lib/python3/dist-packages/cryptography_vectors ] \
		|| ! /usr/bin/python3 -c 'import jwt' >/dev/null 2>&1; then \
		echo "installing thrift-compiler, python3-thrift, python3-thriftpy, haproxy, python3-cryptography(-vectors), python3-jwt"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq thrift-compiler python3-thrift python3-thriftpy haproxy python3-cryptography python3-cryptography-vectors python3-jwt >/dev/null; \
	fi
	@if ! command -v etcd >/dev/null 2>&1; then \
		echo "installing etcd-server"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq etcd-server >/dev/null; \
	fi
	@thrift --version
	$(GO) mod download
	cd interop && $(GO) mod download
	cd examples/thrifttest && $(GO) mod download
	cd contrib/metrics && $(GO) mod download
	cd contrib/etcd && $(GO) mod download
	cd contrib/otel && $(GO) mod download
	cd contrib/jwt && $(GO) mod download

vet:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
		if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@# examples/thrifttest is its own module (its code is generated from
	@# Apache's IDL at build time): generate, then vet it too.
	$(MAKE) -C examples/thrifttest gen
	cd examples/thrifttest && $(GO) vet ./...
	cd contrib/etcd && $(GO) vet ./...

unit:
	$(GO) test -count=1 ./...
	@# The server, client and TLS code are concurrent: run them (and the
	@# generated services end to end) under the race detector too.
	$(GO) test -race -count=1 ./runtime/... ./golden ./examples/...
	@# contrib/ modules hold the integrations with heavy dependencies.
	cd contrib/metrics && $(GO) vet ./... && $(GO) test -count=1 ./...
	@# contrib/otel's tests include Apache's Python THeader client (Debian's
	@# python3-thrift, from make deps) sending a traceparent header.
	cd contrib/otel && $(GO) vet ./... && $(GO) test -count=1 ./...
	cd contrib/jwt && $(GO) vet ./... && $(GO) test -race -count=1 ./...

# A short coverage-guided run of each decoder fuzz target (and of the
# generator's shape cache against go/format) on top of the
# seed corpus (which `make unit` already runs); scripts/fuzz.sh says why a
# run may be repeated once.
fuzz:
	GO=$(GO) ./scripts/fuzz.sh ./runtime FuzzDecoder $(FUZZTIME)
	GO=$(GO) ./scripts/fuzz.sh ./runtime FuzzProxyHeader $(FUZZTIME)
	GO=$(GO) ./scripts/fuzz.sh ./runtime FuzzHeaderFrame $(FUZZTIME)
	GO=$(GO) ./scripts/fuzz.sh ./runtime FuzzZlibRead $(FUZZTIME)
	GO=$(GO) ./scripts/fuzz.sh ./runtime/fernet FuzzOpen $(FUZZTIME)
	GO=$(GO) ./scripts/fuzz.sh ./golden FuzzGenerated $(FUZZTIME)
	GO=$(GO) ./scripts/fuzz.sh ./generator FuzzShapeCache $(FUZZTIME)
	GO=$(GO) ./scripts/fuzz.sh ./runtime FuzzCompact $(FUZZTIME)
	GO=$(GO) ./scripts/fuzz.sh ./runtime FuzzJSON $(FUZZTIME)
	cd contrib/jwt && GO=$(GO) ../../scripts/fuzz.sh . FuzzVerify $(FUZZTIME)

# The hostile-client suite starts the real testserver binary and attacks
# it over loopback (examples/thrifttest/hostile); every loop is bounded.
hostile-short: deps
	$(MAKE) -C examples/thrifttest gen
	cd examples/thrifttest && $(GO) test -short -count=1 ./hostile

hostile:
	$(MAKE) -C examples/thrifttest gen
	cd examples/thrifttest && $(GO) test -count=1 -v ./hostile

soak:
	$(MAKE) -C examples/thrifttest gen
	cd examples/thrifttest && $(GO) test -count=1 -v -run '^TestSoak$$' ./hostile -soak -soak.duration=60s

# The fleet package's own tests run in `make unit`; contrib/etcd is its
# own module (etcd's client stays out of the root module) and starts
# Debian's etcd on loopback ports with a temporary data directory.
# examples/thrifttest/fleet is the process-level scenario: a real etcd,
# testserver processes on 127.0.0.2-5 registering in it, testclient --load,
# kill -9, a server joining, a SIGTERM drain (about 5 s once built).
fleet-short: deps
	cd contrib/etcd && $(GO) test -short -count=1 ./...
	$(MAKE) -C examples/thrifttest gen
	cd examples/thrifttest && $(GO) test -short -count=1 ./fleet ./testclient

fleet:
	$(GO) test -race -count=1 -v ./fleet
	cd contrib/etcd && $(GO) test -race -count=1 -v ./...
	$(MAKE) -C examples/thrifttest gen
	cd examples/thrifttest && $(GO) test -race -count=1 -v ./fleet ./testclient
	$(GO) test -run='^$$' -bench='Callers64' -count=3 ./fleet

wire:
	$(MAKE) -C interop test

interop: deps
	$(MAKE) -C interop cross

bench: genbench
	$(MAKE) -C interop bench

# bench/peers is its own module (Kitex, frugal and gRPC stay out of the
# root go.mod); its peers' code is generated at build time. Not part of
# make test: about six minutes at the default BENCHTIME=1s.
BENCHTIME ?= 1s
bench-peers: deps
	$(MAKE) -C bench/peers bench BENCHTIME=$(BENCHTIME)

# Generator speed and memory on a synthetic 50,000-line IDL (one file, then
# four that include each other), next to Apache's `thrift --gen go`.
GENBENCH_LINES ?= 50000
genbench:
	$(GO) build -o $${TMPDIR:-/tmp}/thriftsec-gen-bench ./cmd/thriftsec-gen
	$(GO) run ./internal/genbench -gen $${TMPDIR:-/tmp}/thriftsec-gen-bench -lines $(GENBENCH_LINES) -files 1
	$(GO) run ./internal/genbench -gen $${TMPDIR:-/tmp}/thriftsec-gen-bench -lines $(GENBENCH_LINES) -files 4
