#!/usr/bin/env bash
# Builds and runs a separate package that depends on SwiftGP the way a user's package does: through a
# `file://` URL with a version requirement (`from:`), which SwiftPM refuses for packages with unsafe build
# flags. The SwiftGP it depends on is this work tree (tracked and new files, uncommitted edits included),
# copied into a temporary git repository and tagged 1.0.0. Run without SWIFTGP_NATIVE: the portable build.
# The consumer imports only SwiftGP, so it also checks that `import SwiftGP` brings Matrix and friends.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/SwiftGP" "$tmp/Consumer/Sources/Consumer"
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
    [ -e "$f" ] && printf '%s\0' "$f"
done | tar --null -T - -cf - | tar -xf - -C "$tmp/SwiftGP"
git -C "$tmp/SwiftGP" init -q
git -C "$tmp/SwiftGP" add -A
git -C "$tmp/SwiftGP" -c user.name=consumer-check -c user.email=consumer-check@localhost commit -q -m snapshot
git -C "$tmp/SwiftGP" tag 1.0.0

cat > "$tmp/Consumer/Package.swift" <<MANIFEST
// swift-tools-version:6.0
import PackageDescription
let package = Package(
    name: "Consumer",
    dependencies: [.package(url: "file://$tmp/SwiftGP", from: "1.0.0")],
    targets: [.executableTarget(name: "Consumer", dependencies: [.product(name: "SwiftGP", package: "SwiftGP")])]
)
MANIFEST
cat > "$tmp/Consumer/Sources/Consumer/main.swift" <<'SOURCE'
import SwiftGP

// One import: Matrix, SeededGenerator and BLASThreads come from GPLinearAlgebra through SwiftGP.
BLASThreads.set(1)
var rng = SeededGenerator(seed: 1)
let n = 40
let x = Matrix(rows: n, cols: 1, storage: (0..<n).map { Double($0) / Double(n) * 6 })
let y = (0..<n).map { i in Math.sin(x[i, 0]) + 0.1 * Double.random(in: -1...1, using: &rng) }
var model = ExactGP(kernel: Matern52(lengthscale: [1]), likelihood: GaussianLikelihood(variance: 0.1))
try model.fit(x, y)
let f = try model.posterior(x, y).predict(at: Matrix(rows: 1, cols: 1, storage: [1.5]))
print("consumer: f(1.5) = \(f.mean[0]) (sin 1.5 = \(Math.sin(1.5)))")
SOURCE

cd "$tmp/Consumer"
env -u SWIFTGP_NATIVE -u SWIFTGP_MPI swift build --scratch-path "$tmp/Consumer/.build" 2>&1 | tail -3
env -u SWIFTGP_NATIVE -u SWIFTGP_MPI swift run --skip-build --scratch-path "$tmp/Consumer/.build" Consumer
echo "consumer-check: a package depending on SwiftGP from: \"1.0.0\" builds and runs"
