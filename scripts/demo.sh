#!/usr/bin/env bash
# The main job: fit an exact GP to the shipped diabetes training split, evaluate on the test split.
set -euo pipefail
cd "$(dirname "$0")/.."
export SWIFTGP_NATIVE=1   # vector code for this CPU (Package.swift)
swift build -c release --product swiftgp >&2
bin=".build/release/swiftgp"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$bin" fit --data datasets/diabetes/diabetes_train.csv --target progression --model exact \
    --kernel matern52 --seed 0 --output "$out/diabetes.json"
"$bin" evaluate --model "$out/diabetes.json" --data datasets/diabetes/diabetes_test.csv
