# SwiftGP: the two set-up commands of the README are `make demo` and `make test`.
.PHONY: bootstrap demo test bench clean

bootstrap:
	@scripts/bootstrap.sh

# Builds the CLI (release) and runs the main job: fit an exact GP on the shipped diabetes data,
# then evaluate it on the held-out split, printing the metrics.
demo: bootstrap
	@scripts/demo.sh

# Runs the whole test suite: the benchmark harness's own unit test (standard library only), then the
# Swift tests (unit, reference, CLI end-to-end, notebooks) in release mode.
test: bootstrap
	python3 -m unittest discover -s Benchmarks/tests
	swift test -c release -Xswiftc -enable-testing

bench: bootstrap
	Benchmarks/run

clean:
	rm -rf .build
