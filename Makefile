# Cairn — the README's first commands are the contract: `make demo` and `make test`.
SHELL := /bin/bash
SWIFT ?= swift
# What the build and the tests need from Debian: libldns for zone files; real DNS peers and
# clients for the integration tests.
APT_PACKAGES := pkg-config libldns-dev ldnsutils bind9-dnsutils knot-dnsutils knot nsd libsqlite3-dev pebble unbound lego certbot openssl dehydrated
FUZZ_SECONDS ?= 600

.PHONY: install build release run demo demo-dns test bench bench-answer bench-issue bench-api clean

install:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		mkdir -p /var/tmp/apt; \
		apt-get update -qq; \
		blocked=0; if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; blocked=1; fi; \
		TMPDIR=/var/tmp/apt DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; status=$$?; \
		if [ $$blocked = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi; \
		exit $$status; \
	fi

build: install
	$(SWIFT) build

# The binary to deploy: optimized, with the Swift runtime and Foundation linked in statically
# (less CPU per query and less memory than with the shared libraries; make bench measures it).
release: install
	$(SWIFT) build -c release --static-swift-stdlib --product cairn
	@echo "built $$($(SWIFT) build -c release --static-swift-stdlib --show-bin-path)/cairn"

# Serve the example zones in zones/ on 127.0.0.1:10053 (UDP and TCP) until Ctrl-C.
run: build
	$(SWIFT) run cairn serve

# One certificate (example.test, *.example.test, www.demo.test) from a local Pebble, the
# dns-01 challenges answered by Cairn's own DNS listener; verified against Pebble's root.
demo: build
	contrib/demo.sh "$$($(SWIFT) build --show-bin-path)/cairn"

# Start the DNS server on the embedded defaults, ask it what a resolver would, stop it.
demo-dns: build
	contrib/demo-dns.sh "$$($(SWIFT) build --show-bin-path)/cairn"

# Suites run one after another: the integration suites start Pebble, Knot, unbound and several
# cairn processes each, and on a 2-core machine running them all at once starves the resolvers
# past the tests' DNS timeouts. In series the run takes about 90 s.
test: install
	$(SWIFT) build --build-tests
	$(SWIFT) test --no-parallel

# Side-by-side dnsperf run against Knot, NSD and the miekg/dns server (../shared/bench), with a
# release build of cairn serving the benchmark zone. Takes about 8 minutes.
bench: install
	contrib/bench.sh

# Time to a certificate against Pebble: lego (exec provider into pebble-challtestsrv, one
# authorization at a time) side by side with `cairn issue` (release build), 3 and 100 names.
bench-issue: install
	contrib/bench-issue.sh

# Durable hook API updates per second: 32 wrk connections against a release cairn serve, and the
# CPU cost of one bcrypt-10 check (contrib/bench-api/README.md). BENCH_API_SECONDS=15.
bench-api: install
	@command -v wrk >/dev/null || { mkdir -p /var/tmp/apt; TMPDIR=/var/tmp/apt DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
	$(SWIFT) build -c release --product cairn
	contrib/bench-api/bench-api.sh $${BENCH_API_SECONDS:-15}

# Micro-benchmark of parse -> answer -> encode (the Benchmarks/ package): ns and mallocs per query.
bench-answer: install
	cd Benchmarks && $(SWIFT) build -c release --product AnswerProfile && \
		LD_PRELOAD="$$($(SWIFT) build -c release --show-bin-path)/libMallocInterposerSwift.so" \
		"$$($(SWIFT) build -c release --show-bin-path)/AnswerProfile"

clean:
	rm -rf .build

include Fuzz/fuzz.mk
