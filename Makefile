# SwiftGP: the two set-up commands of the README are `make demo` and `make test`.
.PHONY: bootstrap demo test bench clean

# The project's own builds compile the numerical targets for this CPU (-march=native, Package.swift);
# packages that depend on SwiftGP get the portable build. SWIFTGP_NATIVE=0 make test tests the portable one.
export SWIFTGP_NATIVE ?= 1
# The optional MPI product (swiftgp-mpi, Package.swift): bootstrap installs Open MPI, so the project's own
# builds include it. SWIFTGP_MPI=0 make test builds and tests without it.
export SWIFTGP_MPI ?= 1

bootstrap:
	@scripts/bootstrap.sh

# Builds the CLI (release) and runs the main job: fit an exact GP on the shipped diabetes data,
# then evaluate it on the held-out split, printing the metrics.
demo: bootstrap
	@scripts/demo.sh

# Runs the whole test suite: the benchmark harness's own unit test (standard library only), then the
# Swift tests (unit, reference, CLI end-to-end, notebooks, documentation snippets) in release mode, then a
# separate package that depends on SwiftGP by version (scripts/consumer-check.sh: no unsafe flags).
test: bootstrap
	python3 -m unittest discover -s Benchmarks/tests
	swift test -c release -Xswiftc -enable-testing
	scripts/consumer-check.sh
	if [ "$(SWIFTGP_MPI)" = 1 ]; then scripts/mpi-check.sh; fi

bench: bootstrap
	Benchmarks/run

clean:
	rm -rf .build
