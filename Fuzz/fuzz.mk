# libFuzzer targets for DNSWire, DNSAuthority, DNSReplication, HookAPI and ACMEClient (the package in Fuzz/; its Package.swift says how
# it is built). Included from the root Makefile: paths are relative to the repository root.
#
#   make fuzz                    build, then run FuzzMessage, FuzzAnswer, FuzzTransfer, FuzzZoneFile,
#                                FuzzHookAPI and FuzzACME FUZZ_SECONDS each, one after the other
#   make fuzz-message            build and run FuzzMessage only (likewise fuzz-answer, fuzz-transfer,
#                                fuzz-zonefile, fuzz-hookapi, fuzz-acme)
#   make fuzz-build              build both fuzzers (libFuzzer + AddressSanitizer) into Fuzz/.build
#   make fuzz-replay             plain build without sanitizers; replay the seeds and saved crashes once
#   make fuzz-corpus             regenerate the seed corpora with real dig/kdig/drill traffic against Knot and NSD
#   make fuzz-clean              remove Fuzz/.build, Fuzz/.build-replay and the working corpora in Fuzz/.work
#
# Knobs: FUZZ_SECONDS (per target), FUZZ_MAX_LEN, FUZZ_CONFIGURATION (debug|release), FUZZ_FLAGS
# (extra libFuzzer flags, e.g. FUZZ_FLAGS=-seed=1). Working corpora grow in Fuzz/.work/<target>
# (not in git); crash reproducers land in Fuzz/.work/artifacts/ and the full logs in Fuzz/.work/*.log.
# Only the seeds in Fuzz/Corpus and minimized reproducers copied to Fuzz/Crashes are committed.

FUZZ_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
FUZZ_SECONDS ?= 600
FUZZ_MAX_LEN ?= 4096
FUZZ_CONFIGURATION ?= debug
FUZZ_FLAGS ?=
FUZZ_SCRATCH := $(FUZZ_DIR)/.build
FUZZ_WORK := $(FUZZ_DIR)/.work
FUZZ_BIN = $(FUZZ_SCRATCH)/$(FUZZ_CONFIGURATION)

ifeq ($(SHELL),/bin/sh)
SHELL := /bin/bash
endif

# `--sanitize fuzzer` makes SwiftPM link libFuzzer's main instead of renaming ours; the
# -Xswiftc flag then wins on the compile lines, because the driver keeps only the last
# `-sanitize=` it sees (with `--sanitize fuzzer --sanitize address` nothing is instrumented
# for coverage). The flags apply to every module, Cairn's and swift-nio's included.
# ld.gold warns once per ASan helper symbol; those lines are dropped.
FUZZ_BUILD = $(SWIFT) build --package-path $(FUZZ_DIR) --scratch-path $(FUZZ_SCRATCH) -c $(FUZZ_CONFIGURATION) \
	--sanitize fuzzer -Xswiftc -sanitize=fuzzer,address -Xswiftc -DCAIRN_LIBFUZZER

# One fuzzing run as a shell command. $(1): executable, $(2): working corpus, $(3): seed directories.
FUZZ_RUN = mkdir -p $(FUZZ_WORK)/$(2) $(FUZZ_WORK)/artifacts && \
	echo "== $(1): $(FUZZ_SECONDS) s, max_len $(FUZZ_MAX_LEN); full log in $(FUZZ_WORK)/$(1).log" && \
	( set -o pipefail; SWIFT_BACKTRACE=enable=no LSAN_OPTIONS=suppressions=$(abspath $(FUZZ_DIR))/lsan.supp $(FUZZ_BIN)/$(1) \
		-max_len=$(FUZZ_MAX_LEN) -max_total_time=$(FUZZ_SECONDS) -timeout=10 -print_final_stats=1 \
		-artifact_prefix=$(FUZZ_WORK)/artifacts/$(1)- $(FUZZ_FLAGS) $(FUZZ_WORK)/$(2) $(3) 2>&1 \
		| tee $(FUZZ_WORK)/$(1).log \
		| { grep --line-buffered -E '^\#[0-9]+[[:space:]]+(INITED|pulse|DONE)|^stat::|ERROR|SUMMARY|Fatal error|property violated|Test unit written|Base64' || true; } )

FUZZ_RUN_MESSAGE = $(call FUZZ_RUN,FuzzMessage,message,$(FUZZ_DIR)/Corpus/message $(FUZZ_DIR)/Corpus/answer)
FUZZ_RUN_ANSWER = $(call FUZZ_RUN,FuzzAnswer,answer,$(FUZZ_DIR)/Corpus/answer)
FUZZ_RUN_TRANSFER = $(call FUZZ_RUN,FuzzTransfer,transfer,$(FUZZ_DIR)/Corpus/transfer)
# Zone files are text: libFuzzer's dictionary of master-file tokens helps it past the syntax.
FUZZ_RUN_ZONEFILE = $(call FUZZ_RUN,FuzzZoneFile,zonefile,$(FUZZ_DIR)/Corpus/zonefile -dict=$(FUZZ_DIR)/zonefile.dict)
# HTTP header lines and JSON bodies are text too; each has its dictionary. The hook API's store,
# tasks and connection pool outlive every input, so libFuzzer's per-input leak check (which
# otherwise runs LeakSanitizer after nearly every input, 35x slower) is off for it.
FUZZ_RUN_HOOKAPI = $(call FUZZ_RUN,FuzzHookAPI,hookapi,$(FUZZ_DIR)/Corpus/hookapi -dict=$(FUZZ_DIR)/hookapi.dict -detect_leaks=0)
FUZZ_RUN_ACME = $(call FUZZ_RUN,FuzzACME,acme,$(FUZZ_DIR)/Corpus/acme -dict=$(FUZZ_DIR)/acme.dict)

.PHONY: fuzz fuzz-build fuzz-message fuzz-answer fuzz-transfer fuzz-zonefile fuzz-hookapi fuzz-acme fuzz-replay fuzz-corpus fuzz-clean

# Every target runs even if an earlier one finds a crash; the goal fails if any did.
fuzz: fuzz-build
	@status=0; \
	{ $(FUZZ_RUN_MESSAGE); } || status=1; \
	{ $(FUZZ_RUN_ANSWER); } || status=1; \
	{ $(FUZZ_RUN_TRANSFER); } || status=1; \
	{ $(FUZZ_RUN_ZONEFILE); } || status=1; \
	{ $(FUZZ_RUN_HOOKAPI); } || status=1; \
	{ $(FUZZ_RUN_ACME); } || status=1; \
	ls $(FUZZ_WORK)/artifacts/ 2>/dev/null | sed 's|^|crash artifact: $(FUZZ_WORK)/artifacts/|'; \
	exit $$status

fuzz-message: fuzz-build
	@$(FUZZ_RUN_MESSAGE)

fuzz-answer: fuzz-build
	@$(FUZZ_RUN_ANSWER)

fuzz-transfer: fuzz-build
	@$(FUZZ_RUN_TRANSFER)

fuzz-zonefile: fuzz-build
	@$(FUZZ_RUN_ZONEFILE)

fuzz-hookapi: fuzz-build
	@$(FUZZ_RUN_HOOKAPI)

fuzz-acme: fuzz-build
	@$(FUZZ_RUN_ACME)

fuzz-build: deps
	@set -o pipefail; $(FUZZ_BUILD) 2>&1 | { grep -v 'ld.gold: warning: Cannot export local symbol' || true; }

# Without -DCAIRN_LIBFUZZER each executable replays files: a quick check of the seeds and of
# saved crashes against the current sources, no sanitizer toolchain needed.
fuzz-replay: deps
	$(SWIFT) build --package-path $(FUZZ_DIR) --scratch-path $(FUZZ_DIR)/.build-replay
	$(FUZZ_DIR)/.build-replay/debug/FuzzMessage $(FUZZ_DIR)/Corpus/message $(FUZZ_DIR)/Corpus/answer \
		$(wildcard $(FUZZ_DIR)/Crashes/FuzzMessage-*)
	$(FUZZ_DIR)/.build-replay/debug/FuzzAnswer $(FUZZ_DIR)/Corpus/answer $(wildcard $(FUZZ_DIR)/Crashes/FuzzAnswer-*)
	$(FUZZ_DIR)/.build-replay/debug/FuzzTransfer $(FUZZ_DIR)/Corpus/transfer $(wildcard $(FUZZ_DIR)/Crashes/FuzzTransfer-*)
	$(FUZZ_DIR)/.build-replay/debug/FuzzZoneFile $(FUZZ_DIR)/Corpus/zonefile $(wildcard $(FUZZ_DIR)/Crashes/FuzzZoneFile-*)
	$(FUZZ_DIR)/.build-replay/debug/FuzzHookAPI $(FUZZ_DIR)/Corpus/hookapi $(wildcard $(FUZZ_DIR)/Crashes/FuzzHookAPI-*)
	$(FUZZ_DIR)/.build-replay/debug/FuzzACME $(FUZZ_DIR)/Corpus/acme $(wildcard $(FUZZ_DIR)/Crashes/FuzzACME-*)

fuzz-corpus: deps
	python3 $(FUZZ_DIR)/make-corpus.py --out $(FUZZ_DIR)/Corpus

fuzz-clean:
	rm -rf $(FUZZ_SCRATCH) $(FUZZ_DIR)/.build-replay $(FUZZ_WORK)
