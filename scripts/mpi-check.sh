#!/usr/bin/env bash
# The MPI tests (make test, with SWIFTGP_MPI=1): an exact allreduce at R = 2 and 4, then the distributed
# fits at R = 2 and 4 against the one-process run on the same global minibatches (scripts/mpi_equality.py).
# Ranks run on this machine: --oversubscribe lets 4 ranks share 2 cores; as root (CI) Open MPI needs
# --allow-run-as-root. Small and fast: a few seconds per run.
set -euo pipefail
cd "$(dirname "$0")/.."
export SWIFTGP_MPI=1
# The flags of make test's `swift test` build, so this reuses it instead of rebuilding.
swift build -c release -Xswiftc -enable-testing --product swiftgp-mpi 2>&1 | tail -1
swift build -c release -Xswiftc -enable-testing --product swiftgp 2>&1 | tail -1
bin="$(swift build -c release -Xswiftc -enable-testing --show-bin-path)/swiftgp-mpi"
flags=(--oversubscribe --bind-to none)
if [ "$(id -u)" -eq 0 ]; then flags+=(--allow-run-as-root); fi
# Containers often forbid the cross-memory-attach single-copy path of the shared-memory transport.
export OMPI_MCA_btl_vader_single_copy_mechanism=none
export MPIRUN="mpirun ${flags[*]}"
export SWIFTGP_MPI_BIN="$bin"
for r in 2 4; do
    $MPIRUN -n "$r" "$bin" allreduce --doubles 1,1000,100000 --repeats 3 >/dev/null
    echo "mpi-check: allreduce over $r ranks sums exactly"
done
if [ -f scripts/mpi_equality.py ]; then python3 scripts/mpi_equality.py; fi
