# make        build into build/bin (pde-engine, pde-worker, pde)
# make run    install what is missing, build, start everything in the foreground
# make test   build (plain, and with AddressSanitizer + UBSan) and run every test
# make bench  run the benchmarks under bench/
JOBS ?= $(shell nproc)
BUILD ?= build
ASAN_BUILD ?= build-asan

.PHONY: all setup run test test-plain bench clean

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

test-plain: all
	cd $(BUILD) && ctest --output-on-failure -j 2

bench: setup all
	/usr/bin/python3 bench/bench_sims.py
	/usr/bin/python3 bench/bench_historian.py
	$(BUILD)/bin/bench_models models

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)

# make model-report   steady states and step responses of every model:
#                     measured through the API of a running engine
#                     ($(BUILD)/model-report-api.md), then computed directly
#                     through sim.h beside the published values
#                     ($(BUILD)/model-report.md)
.PHONY: model-report
model-report: all
	/usr/bin/python3 tests/model_report/api_report.py | tee $(BUILD)/model-report-api.md
	$(BUILD)/bin/model_report models | tee $(BUILD)/model-report.md
