# make        build into build/bin (pde-engine, pde-worker, pde)
# make run    install what is missing, build, start everything in the foreground
# make test   build (plain, and with AddressSanitizer + UBSan) and run every test;
#             then the threaded parts under ThreadSanitizer (make test-tsan)
# make bench  run the benchmarks under bench/
# make fuzz   replay the saved fuzz inputs, then fuzz each target of fuzz/
#             for FUZZ_SECONDS (default 60) (clang + libFuzzer, in build-fuzz)
JOBS ?= $(shell nproc)
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60

.PHONY: all setup run test test-plain bench clean fuzz fuzz-build

all:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

setup:
	@./scripts/setup.sh

run: setup all
	exec $(BUILD)/bin/pde-engine

test: setup all
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSANITIZE=address,undefined >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j 2
	@$(MAKE) --no-print-directory fuzz-build
	cd $(FUZZ_BUILD) && FUZZ_SECONDS=10 ctest --output-on-failure -L fuzz
	@$(MAKE) --no-print-directory test-tsan

# ThreadSanitizer build of what runs on more than one thread: the engine
# (historian writer thread, history queries on libuv's thread pool) and the
# historian. Only the tests that drive those threads run there; the first
# report stops the process (halt_on_error), and any report, even from a
# process a test killed, fails the target (they are collected in
# $(TSAN_BUILD)/tsan-reports).
TSAN_BUILD ?= build-tsan
TSAN_TESTS ?= ^unit/test_historian|^integration/test_(api|historian_influx|fault_disk_full|fault_engine_kill)$$
.PHONY: test-tsan
test-tsan:
	@cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSANITIZE=thread >/dev/null
	@cmake --build $(TSAN_BUILD) -j $(JOBS) --target pde-engine pde-worker test_historian test_historian_influx
	@rm -rf $(TSAN_BUILD)/tsan-reports && mkdir -p $(TSAN_BUILD)/tsan-reports
	cd $(TSAN_BUILD) && TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:log_path=$(abspath $(TSAN_BUILD))/tsan-reports/tsan \
	  ctest --output-on-failure -j 2 -R '$(TSAN_TESTS)'
	@if ls $(TSAN_BUILD)/tsan-reports/tsan.* >/dev/null 2>&1; then \
	  cat $(TSAN_BUILD)/tsan-reports/tsan.*; echo "ThreadSanitizer reported races (above)"; exit 1; fi

# The fuzz targets, built with clang (coverage, ASan, UBSan) apart from the
# gcc builds.
fuzz-build:
	@CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug -DFUZZ=ON >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_all

fuzz: setup fuzz-build
	cd $(FUZZ_BUILD) && FUZZ_SECONDS=$(FUZZ_SECONDS) ctest --output-on-failure -L fuzz

test-plain: all
	cd $(BUILD) && ctest --output-on-failure -j 2

bench: setup all
	/usr/bin/python3 bench/bench_sims.py
	/usr/bin/python3 bench/bench_historian.py
	/usr/bin/python3 bench/bench_cosim.py
	$(BUILD)/bin/bench_models models

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(TSAN_BUILD)

# make model-report   steady states and step responses of every model:
#                     measured through the API of a running engine
#                     ($(BUILD)/model-report-api.md), then computed directly
#                     through sim.h beside the published values
#                     ($(BUILD)/model-report.md)
.PHONY: model-report
model-report: all
	/usr/bin/python3 tests/model_report/api_report.py | tee $(BUILD)/model-report-api.md
	$(BUILD)/bin/model_report models | tee $(BUILD)/model-report.md
