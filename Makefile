# Top-level entry points. `make` builds; `make check` and `make demo` also
# install what they need on Debian 12 (apt-get) first.
BUILD      ?= build
BUILD_ASAN ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps build asan check check-fast demo format clean

all: build

deps:
	@./scripts/install-deps.sh

build:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) -- -s --no-print-directory

asan:
	@cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DSANITIZE=ON >/dev/null
	@cmake --build $(BUILD_ASAN) -j $(JOBS) -- -s --no-print-directory

# The whole suite, on the normal build and on the ASan+UBSan build.
check: deps build asan
	@./tests/run-all.sh $(BUILD) $(BUILD_ASAN)
	@$(MAKE) --no-print-directory fuzz-smoke

# Only the normal build (quicker, for development).
check-fast: build
	@./tests/run-all.sh $(BUILD)

demo: deps build
	@./scripts/demo.sh $(BUILD)

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(BUILD_ASAN)
	rm -rf $(BUILD_FUZZ)

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
