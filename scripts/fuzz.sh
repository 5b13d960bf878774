#!/bin/sh
# Builds and runs the libFuzzer target over SwiftGP's three parsers (CSV, model files, kernel expressions):
# GPLinearAlgebra and SwiftGP are compiled with coverage instrumentation (swiftc -sanitize=fuzzer), then
# Fuzz/ParserFuzzTarget.swift is linked against them with libFuzzer's main.
#
#   scripts/fuzz.sh                    # build, then fuzz until stopped
#   scripts/fuzz.sh -runs=1000000      # build, then exactly 10⁶ executions (libFuzzer options pass through)
#
# The corpus grows in .build-fuzz/corpus (seeded with the shipped datasets' first rows, a model file and
# kernel expressions); crashes are written to .build-fuzz/crash-*.
set -eu
cd "$(dirname "$0")/.."
out=.build-fuzz
mkdir -p "$out/obj" "$out/corpus"
flags="-O -sanitize=fuzzer -parse-as-library -Xcc -march=native -Xcc -fno-math-errno -I Sources/CLAPACK -I Sources/CCHOLMOD -I Sources/CCXSparse -I Sources/CMalloc"
if [ ! -x "$out/fuzz-parsers" ] || [ -n "$(find Sources/SwiftGP Sources/GPLinearAlgebra Fuzz -newer "$out/fuzz-parsers" -name '*.swift' | head -1)" ]; then
    echo "fuzz.sh: compiling GPLinearAlgebra" >&2
    # shellcheck disable=SC2086
    swiftc $flags -module-name GPLinearAlgebra -wmo -emit-module -emit-module-path "$out/obj/GPLinearAlgebra.swiftmodule" \
        -c -o "$out/obj/GPLinearAlgebra.o" $(find Sources/GPLinearAlgebra -name '*.swift')
    echo "fuzz.sh: compiling SwiftGP" >&2
    # shellcheck disable=SC2086
    swiftc $flags -module-name SwiftGP -wmo -I "$out/obj" -emit-module -emit-module-path "$out/obj/SwiftGP.swiftmodule" \
        -c -o "$out/obj/SwiftGP.o" $(find Sources/SwiftGP -name '*.swift')
    echo "fuzz.sh: linking the fuzz target" >&2
    # shellcheck disable=SC2086
    swiftc $flags -I "$out/obj" Fuzz/ParserFuzzTarget.swift "$out/obj/SwiftGP.o" "$out/obj/GPLinearAlgebra.o" \
        -lopenblas -llapacke -lcholmod -lcxsparse -o "$out/fuzz-parsers"
fi
if [ -z "$(ls "$out/corpus")" ]; then
    printf '\000x,y\n0,0.1\n1,0.9\n2,"0.2"\r\n' > "$out/corpus/csv"
    printf '\002matern52 + periodic * (rbf + linear)' > "$out/corpus/kernel"
    head -c 2000 datasets/diabetes/diabetes_train.csv | { printf '\000'; cat; } > "$out/corpus/diabetes"
fi
exec "$out/fuzz-parsers" "$out/corpus" -artifact_prefix="$out/" -max_len=65536 "$@"
