# The commands a newcomer needs. `make run` serves the embedded default on :8000;
# `make test` installs, builds and runs every test (release, then ASan+UBSan).
JOBS ?= $(shell nproc)
RELEASE := build/release
ASAN := build/asan

.PHONY: setup build run test test-release test-asan test-fuzz fuzz bench clean format

setup:
	scripts/setup

# Only the program; `make test` builds the tests too.
build: setup
	cmake --preset release
	cmake --build --preset release -j $(JOBS) --target autograder
	ln -sf release/autograder build/autograder

run: build
	build/autograder serve

test: setup test-release test-asan test-fuzz

test-release:
	cmake --preset release
	cmake --build --preset release -j $(JOBS)
	ctest --preset release -j 2

test-asan:
	cmake --preset asan
	cmake --build --preset asan -j $(JOBS)
	ctest --preset asan -j 2

# A short run of every fuzz target (clang + libFuzzer); `make fuzz` runs each for 5 minutes.
test-fuzz:
	scripts/fuzz --seconds 5

fuzz: setup
	scripts/fuzz --seconds 300

bench: setup
	scripts/setup --bench
	cmake --preset release
	cmake --build --preset release -j $(JOBS) --target autograder openloop intake_bench
	bench/run.sh

format:
	find src tests bench -name '*.cc' -o -name '*.h' | xargs clang-format -i

clean:
	rm -rf build
