# Cairn — the README's first commands are the contract: `make demo` and `make test`.
SHELL := /bin/bash
SWIFT ?= swift
# What the build needs from Debian (libldns for zone files, SQLite for the store, zlib's static
# archive for the release link), and what the tests and demos add: real DNS peers and clients,
# Pebble, the ACME clients the hooks serve.
BUILD_PACKAGES := pkg-config libldns-dev libssl-dev libsqlite3-dev zlib1g-dev
TEST_PACKAGES := ldnsutils bind9 bind9-dnsutils knot-dnsutils knot nsd pebble unbound lego certbot openssl dehydrated
FUZZ_SECONDS ?= 600
# The deployed binary: the Swift runtime linked in statically, every Swift function in a section
# of its own so the link can lay out code in contrib/link-order.txt's order (Package.swift). The
# benchmarks build with the same flags: contrib/bench-common.sh reads them from `make release-flags`.
RELEASE_FLAGS := -c release --static-swift-stdlib -Xswiftc -Xfrontend -Xswiftc -function-sections

# Where `make install` puts things: $(DESTDIR)$(PREFIX)/... (DESTDIR for staging and packaging).
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/cairn
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
UNITS := cairn.service cairn-renew.service cairn-renew.timer cairn-reload-webserver.path cairn-reload-webserver.service
HOOKS := $(notdir $(wildcard contrib/hooks/*.sh))
INSTALL_STAGE := .build/install-stage

.PHONY: deps build-deps install install-strip uninstall build release run demo demo-dns test bench bench-answer bench-issue bench-api bench-manager bench-scale bench-publish bench-replication link-order attack soak clean release-flags

# apt-get install of those of the packages $(1) that are missing; their daemons are not started.
APT_INSTALL = missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		mkdir -p /var/tmp/apt; \
		apt-get update -qq; \
		blocked=0; if [ ! -e /usr/sbin/policy-rc.d ]; then printf '\#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; blocked=1; fi; \
		TMPDIR=/var/tmp/apt DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; status=$$?; \
		if [ $$blocked = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi; \
		exit $$status; \
	fi

# Everything the build, the tests, the demos and the benchmarks use.
deps:
	@$(call APT_INSTALL,$(BUILD_PACKAGES) $(TEST_PACKAGES))

# Only what compiling needs: `make release` and `make install` on a server do not bring in Knot,
# NSD or unbound (enabled at boot by their packages, they would take port 53 from Cairn).
build-deps:
	@$(call APT_INSTALL,$(BUILD_PACKAGES))

build: deps
	$(SWIFT) build

# RELEASE_FLAGS, for the scripts in contrib/ that build the release binary.
release-flags:
	@echo "$(RELEASE_FLAGS)"

# The binary to deploy: optimized, with the Swift runtime and Foundation linked in statically
# (less CPU per query and less memory than with the shared libraries; make bench measures it).
release: build-deps
	$(SWIFT) build $(RELEASE_FLAGS) --product cairn
	@binary="$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/cairn"; echo "built $$binary"; \
		! command -v python3 >/dev/null || contrib/check-link-layout.py "$$binary" || \
		echo "warning: the binary works, but its code is not laid out as contrib/link-order.txt says"

# The release binary, the systemd units (their paths rewritten for BINDIR and DATADIR), the hooks
# for other ACME clients, the example configuration and the sysusers.d entry for the user cairn.
# Nothing in /etc or /var is touched: docs/deployment.md says what to do next (systemd-sysusers,
# /etc/cairn/cairn.yaml, systemctl enable). PREFIX=/usr for a system install; DESTDIR to stage.
install: release
	install -D -m 0755 "$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/cairn" "$(DESTDIR)$(BINDIR)/cairn"
	@mkdir -p $(INSTALL_STAGE)
	@set -e; for unit in $(UNITS); do \
		sed -e 's|/usr/local/bin/|$(BINDIR)/|g' -e 's|/usr/local/share/cairn|$(DATADIR)|g' \
			"contrib/$$unit" >"$(INSTALL_STAGE)/$$unit"; \
		echo "install -D -m 0644 $(INSTALL_STAGE)/$$unit $(DESTDIR)$(SYSTEMDUNITDIR)/$$unit"; \
		install -D -m 0644 "$(INSTALL_STAGE)/$$unit" "$(DESTDIR)$(SYSTEMDUNITDIR)/$$unit"; \
	done
	@set -e; for hook in $(HOOKS); do \
		echo "install -D -m 0755 contrib/hooks/$$hook $(DESTDIR)$(DATADIR)/hooks/$$hook"; \
		install -D -m 0755 "contrib/hooks/$$hook" "$(DESTDIR)$(DATADIR)/hooks/$$hook"; \
	done
	install -D -m 0644 contrib/cairn.yaml "$(DESTDIR)$(DATADIR)/cairn.yaml"
	@printf '%s\n' '# The user cairn.service runs as (systemd-sysusers creates it; see sysusers.d(5)).' \
		'u cairn - "Cairn ACME DNS server" /var/lib/cairn' >"$(INSTALL_STAGE)/cairn.sysusers"
	install -D -m 0644 $(INSTALL_STAGE)/cairn.sysusers "$(DESTDIR)$(SYSUSERSDIR)/cairn.conf"

# The same with the binary's symbols and debug information stripped (about 95 MB instead of 205);
# a crash backtrace then names no functions.
install-strip: install
	strip "$(DESTDIR)$(BINDIR)/cairn"

# Removes what `make install` put in place (same PREFIX and DESTDIR); leaves /etc/cairn,
# /var/lib/cairn and the user cairn alone.
uninstall:
	rm -f "$(DESTDIR)$(BINDIR)/cairn" "$(DESTDIR)$(SYSUSERSDIR)/cairn.conf" "$(DESTDIR)$(DATADIR)/cairn.yaml"
	rm -f $(foreach unit,$(UNITS),"$(DESTDIR)$(SYSTEMDUNITDIR)/$(unit)")
	rm -f $(foreach hook,$(HOOKS),"$(DESTDIR)$(DATADIR)/hooks/$(hook)")
	rmdir "$(DESTDIR)$(DATADIR)/hooks" "$(DESTDIR)$(DATADIR)" 2>/dev/null || true

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
# past the tests' DNS timeouts. In series the run takes about 5 minutes. The tests gather every
# key they create and every cairn process's log into .build/test-archive; afterwards no key may
# appear in any log.
TEST_ARCHIVE := $(CURDIR)/.build/test-archive
test: deps
	$(SWIFT) build --build-tests
	rm -rf "$(TEST_ARCHIVE)" && mkdir -p "$(TEST_ARCHIVE)"
	CAIRN_TEST_ARCHIVE="$(TEST_ARCHIVE)" $(SWIFT) test --no-parallel
	contrib/check-test-secrets.sh "$(TEST_ARCHIVE)"

# Side-by-side dnsperf run against Knot, NSD and the miekg/dns server (../shared/bench), with a
# release build of cairn serving the benchmark zone. Takes about 8 minutes.
bench: deps
	contrib/bench.sh

# Time to a certificate against Pebble: lego (exec provider into pebble-challtestsrv, one
# authorization at a time) side by side with `cairn issue` (release build), 3 and 100 names.
bench-issue: deps
	contrib/bench-issue.sh

# The certificate manager at scale: 1,000 declared certificates of 3 names each from a cold
# start against one Pebble, acme.concurrency 4 and 16 (BENCH_CONCURRENCY); about 3 minutes.
bench-manager: deps
	contrib/bench-manager.sh $${BENCH_CERTIFICATES:-1000}

# Start-up on large stores: time to the first answer and to a restored value, RSS per name,
# for 10,000, 100,000 and 1,000,000 stored names (BENCH_SIZES).
bench-scale: deps
	contrib/bench-scale.sh $${BENCH_SIZES:-10000 100000 1000000}

# Publishing under load: 2.4 million stored names, dnsperf at 50,000 qps of them and 2,000 acme-dns
# /update calls a second, each value asked for the moment its 200 arrives (BENCH_NAMES, BENCH_QPS,
# BENCH_UPDATES, BENCH_SECONDS).
# Response-rate limiting under a 50,000 qps spoofed-source NXDOMAIN flood on loopback: another
# prefix's answer rate and p99 before and during, what the flood got back, octets out per octet
# in, with RRL on and off; then hostile traffic (garbage, idle and trickling TCP connections,
# clients that never read, deep pipelining): answer rate, p99, RSS, file descriptors. About 2 minutes.
attack: deps
	@/usr/bin/python3 -c 'import dns.message' 2>/dev/null || { mkdir -p /var/tmp/apt; TMPDIR=/var/tmp/apt DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-dnspython; }
	contrib/attack-rrl.sh
	contrib/attack-hostile.sh

# Ten minutes of dnsperf at half capacity, checked API updates, expiries and SIGHUP reloads:
# queries lost, wrong answers, RSS every 10 s, every acknowledged value served at the end.
soak: deps
	@/usr/bin/python3 -c 'import dns.message' 2>/dev/null || { mkdir -p /var/tmp/apt; TMPDIR=/var/tmp/apt DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-dnspython; }
	contrib/soak.sh

bench-publish: deps
	@/usr/bin/python3 -c 'import dns.message' 2>/dev/null || { mkdir -p /var/tmp/apt; TMPDIR=/var/tmp/apt DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-dnspython; }
	contrib/bench-publish.sh

# Cairn as a primary: NSD and Knot as TSIG secondaries of a 100,000-name auth zone; the first
# transfer, an IXFR of one change, and 2,000 /update a second for 60 s each checked at both
# secondaries after its 200, with Cairn's CPU per query beside a run without secondaries
# (BENCH_NAMES, BENCH_UPDATES, BENCH_SECONDS, BENCH_QPS).
bench-replication: deps
	@command -v wrk >/dev/null || { mkdir -p /var/tmp/apt; TMPDIR=/var/tmp/apt DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
	@/usr/bin/python3 -c 'import dns.message' 2>/dev/null || { mkdir -p /var/tmp/apt; TMPDIR=/var/tmp/apt DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-dnspython; }
	contrib/bench-replication.sh

# Rewrites contrib/link-order.txt, the order in which the release link lays out cairn's code:
# the functions a profile under callgrind saw serving DNS and the API first, then start-up's
# (contrib/link-order.sh). About a minute; run it after larger changes to those paths.
link-order: deps
	@$(call APT_INSTALL,valgrind)
	contrib/link-order.sh

# Durable hook API updates per second: 32 wrk connections against a release cairn serve, and the
# CPU cost of one bcrypt-10 check (contrib/bench-api/README.md). BENCH_API_SECONDS=15.
bench-api: deps
	@command -v wrk >/dev/null || { mkdir -p /var/tmp/apt; TMPDIR=/var/tmp/apt DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
	$(SWIFT) build $(RELEASE_FLAGS) --product cairn
	CAIRN="$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/cairn" contrib/bench-api/bench-api.sh $${BENCH_API_SECONDS:-15}

# Micro-benchmark of parse -> answer -> encode (the Benchmarks/ package): ns and mallocs per query.
bench-answer: deps
	cd Benchmarks && $(SWIFT) build -c release --product AnswerProfile && \
		LD_PRELOAD="$$($(SWIFT) build -c release --show-bin-path)/libMallocInterposerSwift.so" \
		"$$($(SWIFT) build -c release --show-bin-path)/AnswerProfile"

clean:
	rm -rf .build

include Fuzz/fuzz.mk
