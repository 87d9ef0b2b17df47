# Top-level entry points. `make` builds; `make check` and `make demo` also
# install what they need on Debian 12 (apt-get) first.
BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_TSAN ?= build-tsan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps build asan tsan tsan-build check check-fast demo format format-check clean

all: build

deps:
	@./scripts/install-deps.sh

build:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) -- -s --no-print-directory

asan:
	@cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DSANITIZE=ON >/dev/null
	@cmake --build $(BUILD_ASAN) -j $(JOBS) -- -s --no-print-directory

# ThreadSanitizer: the tool, the emulator and the unit tests built with
# -fsanitize=thread, and the whole suite run on that build (a race makes the
# tool exit 66, which fails the test that ran it).
tsan-build:
	@cmake -S . -B $(BUILD_TSAN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSANITIZE_THREAD=ON >/dev/null
	@cmake --build $(BUILD_TSAN) -j $(JOBS) -- -s --no-print-directory

# ThreadSanitizer: the unit tests and the integration scripts that run many
# workers at once (TSAN_TESTS; TSAN_TESTS=all for every script, about 8
# minutes on 2 cores). .ci/run runs it after `make check`.
TSAN_TESTS ?= test_migrate test_import test_net_faults test_exactly_once test_order \
	test_export_safety test_faults test_retire
tsan: deps tsan-build
	@TSAN_OPTIONS="halt_on_error=0 exitcode=66 $${TSAN_OPTIONS:-}" \
		ONLY="$(if $(filter all,$(TSAN_TESTS)),,$(TSAN_TESTS))" ./tests/run-all.sh $(BUILD_TSAN)

# The whole suite, on the normal build and on the ASan+UBSan build.
# Lint, the fuzz smoke and valgrind (export, import, faults and secrets
# scenarios under memcheck) first, so that the suite's tally ("N passed,
# N failed") is the last line.
check: deps build asan
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory fuzz-smoke
	@$(MAKE) --no-print-directory valgrind
	@./tests/run-all.sh $(BUILD) $(BUILD_ASAN)

# Only the normal build (quicker, for development).
check-fast: build
	@./tests/run-all.sh $(BUILD)

demo: deps build
	@./scripts/demo.sh $(BUILD)

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

# Fails, naming the files, when a tracked C file differs from what
# clang-format makes of it with the checked-in .clang-format.
format-check:
	@bad=$$(for f in $$(git ls-files '*.c' '*.h'); do \
		clang-format "$$f" | cmp -s - "$$f" || echo "$$f"; done); \
	if [ -n "$$bad" ]; then echo "not clang-formatted (make format):" $$bad; exit 1; fi; \
	echo "format: clean"

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_TSAN)
	rm -rf $(BUILD_FUZZ) $(BUILD_LINT) $(BUILD)-valgrind

# ---- Hardening: fuzzing, lint, valgrind -------------------------------------
BUILD_FUZZ   ?= build-fuzz
FUZZ_SECONDS ?= 60

.PHONY: fuzz fuzz-build fuzz-smoke

# The libFuzzer targets (fuzz/fuzz_*.c): clang, -fsanitize=fuzzer,address,undefined.
fuzz-build:
	@cmake -S . -B $(BUILD_FUZZ) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DFUZZ=ON >/dev/null
	@cmake --build $(BUILD_FUZZ) -j $(JOBS) --target fuzzers -- -s --no-print-directory

# Every target for FUZZ_SECONDS seconds; fails when one crashes.
fuzz: fuzz-build
	@./fuzz/run.sh $(BUILD_FUZZ) $(FUZZ_SECONDS)

# About 5 seconds per target (part of `make check`).
fuzz-smoke: fuzz-build
	@./fuzz/run.sh $(BUILD_FUZZ) 5

BUILD_LINT ?= build-lint
LINT_SOURCES = $(wildcard src/*.c src/*/*.c)

.PHONY: lint valgrind

# clang-tidy (.clang-tidy, every finding an error) and cppcheck
# (.cppcheck-suppressions) on src/. build-lint only holds clang's
# compile_commands.json; nothing is built there.
lint:
	@cmake -S . -B $(BUILD_LINT) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug >/dev/null
	@echo "clang-tidy: $(words $(LINT_SOURCES)) files"
	@printf '%s\n' $(LINT_SOURCES) | xargs -P $(JOBS) -n 4 clang-tidy -p $(BUILD_LINT) --quiet \
		>$(BUILD_LINT)/clang-tidy.log 2>&1; rc=$$?; \
		grep -v -E '^[0-9]+ warnings? (and [0-9]+ errors? )?generated\.$$' $(BUILD_LINT)/clang-tidy.log; \
		exit $$rc
	@echo "cppcheck"
	@cppcheck --enable=warning,performance,portability --std=c11 --quiet --inline-suppr \
		--error-exitcode=1 --suppressions-list=.cppcheck-suppressions -j $(JOBS) \
		-D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -DTTNM_VERSION='"lint"' -I src src
	@$(MAKE) --no-print-directory format-check
	@echo "lint: clean"

# A few integration scenarios with the tool under valgrind memcheck.
valgrind: build
	@./scripts/valgrind.sh $(BUILD)
