# The commands a newcomer needs. `make run` serves the embedded default on :8000;
# `make test` installs, builds and runs every test (release, then ASan+UBSan).
JOBS ?= $(shell nproc)
RELEASE := build/release
ASAN := build/asan

.PHONY: setup build run test test-release test-asan bench clean format

setup:
	scripts/setup

build: setup
	cmake --preset release
	cmake --build --preset release -j $(JOBS)

run: build
	$(RELEASE)/autograder serve

test: setup test-release test-asan

test-release:
	cmake --preset release
	cmake --build --preset release -j $(JOBS)
	ctest --preset release -j 2

test-asan:
	cmake --preset asan
	cmake --build --preset asan -j $(JOBS)
	ctest --preset asan -j 2

bench: build
	scripts/setup --bench
	bench/run.sh

format:
	find src tests bench -name '*.cc' -o -name '*.h' | xargs clang-format -i

clean:
	rm -rf build
