# SwiftGP: the two set-up commands of the README are `make demo` and `make test`.
.PHONY: bootstrap demo test bench clean

bootstrap:
	@scripts/bootstrap.sh

# Builds the CLI (release) and runs the main job: fit an exact GP on the shipped diabetes data,
# then evaluate it on the held-out split, printing the metrics.
demo: bootstrap
	@scripts/demo.sh

# Runs the whole test suite (unit, reference, CLI end-to-end, notebooks).
test: bootstrap
	swift test -c release -Xswiftc -enable-testing

bench: bootstrap
	Benchmarks/run

clean:
	rm -rf .build
