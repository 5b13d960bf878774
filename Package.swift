// swift-tools-version:6.0
import PackageDescription

/// Native vector code is opt-in: with `SWIFTGP_NATIVE=1` in the environment of `swift build`/`swift test`,
/// the numerical targets are compiled for the CPU that builds them (AVX2/FMA or AVX-512 in the kernels' pair
/// loops and the vector exp) and without errno from `sqrt`, so `squareRoot()` is one vector instruction
/// instead of a guarded libm call per lane (nothing in SwiftGP reads errno). The project's own builds set it
/// (Makefile, scripts/demo.sh, Benchmarks/run). Without it the package has no unsafe flags, so other packages
/// can depend on a released version, and the binaries run on any x86-64 (or arm64) CPU.
let native = Context.environment["SWIFTGP_NATIVE"] == "1"
let nativeCode: [SwiftSetting] = native ? [.unsafeFlags(["-Xcc", "-march=native", "-Xcc", "-fno-math-errno"])] : []

/// The distributed fit over MPI is opt-in too: with `SWIFTGP_MPI=1` (the Makefile sets it once scripts/bootstrap.sh
/// has installed Open MPI) the package gains the system library CMPI (Open MPI through `pkg-config ompi`), the
/// target GPMPI (the allreduce `Reducer`) and the executable `swiftgp-mpi`. Without it nothing needs MPI: the core
/// library, `swiftgp` and packages that depend on SwiftGP build on a machine without Open MPI
/// (docs/methods/distributed.md#building).
let mpi = Context.environment["SWIFTGP_MPI"] == "1"
let mpiProducts: [Product] = mpi ? [.executable(name: "swiftgp-mpi", targets: ["swiftgp-mpi"])] : []
let mpiTargets: [Target] = mpi ? [
    // Open MPI's C API; shim.h turns its handle macros (MPI_COMM_WORLD, MPI_DOUBLE, MPI_SUM) into functions.
    .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi", providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),
    // The MPI allreduce behind the core library's `Reducer` protocol.
    .target(name: "GPMPI", dependencies: ["CMPI", "SwiftGP"]),
    // `mpirun -n R swiftgp-mpi fit ...`: the data-parallel SVGP/SGPR fit.
    .executableTarget(
        name: "swiftgp-mpi",
        dependencies: ["GPMPI", "SwiftGP", "GPCommandOptions", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
] : []

let package = Package(
    name: "SwiftGP",
    products: [
        .library(name: "SwiftGP", targets: ["SwiftGP"]),
        .library(name: "GPLinearAlgebra", targets: ["GPLinearAlgebra"]),
        .library(name: "GPPlot", targets: ["GPPlot"]),
        .executable(name: "swiftgp", targets: ["swiftgp"]),
    ] + mpiProducts,
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // `swift package generate-documentation --target SwiftGP` (the DocC catalogue Sources/SwiftGP/SwiftGP.docc).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // System libraries: module maps over OpenBLAS/LAPACKE and SuiteSparse CHOLMOD and CXSparse.
        .systemLibrary(name: "CLAPACK", path: "Sources/CLAPACK", providers: [.apt(["liblapacke-dev", "libopenblas-dev"])]),
        .systemLibrary(name: "CCHOLMOD", path: "Sources/CCHOLMOD", providers: [.apt(["libsuitesparse-dev"])]),
        .systemLibrary(name: "CCXSparse", path: "Sources/CCXSparse", providers: [.apt(["libsuitesparse-dev"])]),
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc", providers: [.apt(["libc6-dev"])]),
        // Dense and sparse linear algebra, quadrature, stable scalar functions. Knows nothing about GPs.
        .target(name: "GPLinearAlgebra", dependencies: ["CLAPACK", "CCHOLMOD", "CCXSparse", "CMalloc"], swiftSettings: nativeCode),
        // SVG plotting for notebooks and benchmarks.
        .target(name: "GPPlot"),
        // The library.
        .target(name: "SwiftGP", dependencies: ["GPLinearAlgebra"], swiftSettings: nativeCode),
        // What the command lines share (swiftgp, swiftgp-mpi): option declarations and the console.
        .target(name: "GPCommandOptions", dependencies: ["SwiftGP", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // The command line.
        .executableTarget(
            name: "swiftgp",
            dependencies: ["SwiftGP", "GPCommandOptions", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // Notebooks: tutorial scripts that run, print and draw.
        .executableTarget(
            name: "ExactRegressionNotebook", dependencies: ["SwiftGP", "GPPlot"],
            path: "Notebooks/ExactRegression"),
        .executableTarget(
            name: "SparseVariationalNotebook", dependencies: ["SwiftGP", "GPPlot"],
            path: "Notebooks/SparseVariational"),
        .executableTarget(
            name: "StateSpaceNotebook", dependencies: ["SwiftGP", "GPPlot"],
            path: "Notebooks/StateSpace"),
        .executableTarget(
            name: "VecchiaNotebook", dependencies: ["SwiftGP", "GPPlot"],
            path: "Notebooks/Vecchia"),
        .executableTarget(
            name: "MagmaClustNotebook", dependencies: ["SwiftGP", "GPPlot"],
            path: "Notebooks/MagmaClust"),
        .executableTarget(
            name: "GPSSMNotebook", dependencies: ["SwiftGP", "GPPlot"],
            path: "Notebooks/GPSSM"),
        // Benchmark drivers (timed outside the test suite).
        .executableTarget(
            name: "swiftgp-bench", dependencies: ["SwiftGP", "GPLinearAlgebra", "GPPlot", "CLAPACK"], path: "Benchmarks/Swift"),
        // Test support: finite-difference checkers, kernel conformance, dense references.
        .target(name: "GPTestSupport", dependencies: ["SwiftGP", "GPLinearAlgebra"]),
        .testTarget(name: "GPLinearAlgebraTests", dependencies: ["GPLinearAlgebra", "GPTestSupport"]),
        .testTarget(name: "GPPlotTests", dependencies: ["GPPlot"]),
        .testTarget(
            name: "SwiftGPTests",
            dependencies: ["SwiftGP", "GPTestSupport", "ExactRegressionNotebook", "SparseVariationalNotebook", "StateSpaceNotebook", "VecchiaNotebook",
                           "MagmaClustNotebook", "GPSSMNotebook"],
            resources: [.copy("Fixtures")]),
        // README.md's and docs/' Swift snippets (scripts/snippets.py), with only `import SwiftGP`.
        .testTarget(name: "SnippetTests", dependencies: ["SwiftGP"]),
        .testTarget(name: "CLITests", dependencies: ["SwiftGP", "GPTestSupport", "GPCommandOptions", "swiftgp"]),
    ] + mpiTargets
)
