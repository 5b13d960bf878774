import Synchronization
import Testing
import GPLinearAlgebra
import GPTestSupport
@testable import SwiftGP

/// What the progress callback saw, collected under Swift 6 strict concurrency with a checked `Mutex`
/// (no `@unchecked Sendable`).
final class ProgressLog: Sendable {
    let seen = Mutex<[FitProgress]>([])
    var count: Int { seen.withLock { $0.count } }
}

/// Issue 13: a progress callback that can stop the fit, and `async` fits that honour task cancellation.
@Suite struct FitControlTests {
    static func data() -> (x: Matrix, y: [Double]) {
        let x = TestData.uniform(60, 2, seed: 3)
        return (x, (0..<60).map { Math.sin(2 * x[$0, 0]) + 0.5 * x[$0, 1] })
    }

    /// `.stop` after the fifth iteration: five iterations, the reason, the trace equal to the report's
    /// history, and no further run of the start screen's two.
    @Test func progressCallbackStopsTheFit() throws {
        let (x, y) = Self.data()
        var model = ExactGP(kernel: Matern52(lengthscale: [1, 1]), likelihood: GaussianLikelihood(variance: 0.1))
        let log = ProgressLog()
        let report = try model.fit(x, y, options: FitOptions(progress: { p in
            log.seen.withLock { $0.append(p) }
            return p.iteration == 5 ? .stop : .continue
        }))
        #expect(report.iterations == 5)
        #expect(report.stoppedByCaller && report.stopReason == "stopped by the progress callback" && !report.converged)
        let seen = log.seen.withLock { $0 }
        #expect(seen.map(\.iteration) == [1, 2, 3, 4, 5])
        #expect(seen.allSatisfy { $0.restart == 0 } && seen.first?.runs == 2)
        #expect(seen.map(\.objective) == report.history)
    }

    /// Without cancellation the `async` fit is the synchronous one (same parameters, bit for bit).
    @Test func asyncFitEqualsTheSynchronousFit() async throws {
        let (x, y) = Self.data()
        var a = ExactGP(kernel: Matern52(lengthscale: [1, 1]), likelihood: GaussianLikelihood(variance: 0.1))
        var b = a
        // In an async context `fit` names the async overload; a synchronous closure calls the other one.
        let ra = try { () throws -> FitReport in try a.fit(x, y) }()
        let rb = try await b.fit(x, y)
        #expect(ra.objective == rb.objective)
        #expect(a.parameters.map(\.value) == b.parameters.map(\.value))
    }

    /// Cancelling the task during the third iteration ends the fit there with `CancellationError`; the model
    /// keeps the best parameters so far (its log marginal likelihood rose from the start).
    @Test func asyncFitHonoursCancellation() async throws {
        let (x, y) = Self.data()
        let start = SVGPTestModel.make(x)
        let log = ProgressLog()
        let options = FitOptions(optimizer: .adam(learningRate: 0.05), maxIterations: 500, progress: { p in
            log.seen.withLock { $0.append(p) }
            if p.iteration == 3 { withUnsafeCurrentTask { $0?.cancel() } }
            return .continue
        })
        let task = Task { () async throws -> SVGP in
            var model = start
            do { try await model.fit(x, y, options: options) } catch is CancellationError { return model }
            Issue.record("the fit was not cancelled")
            return model
        }
        let fitted = try await task.value
        #expect(log.count == 3)
        #expect(try fitted.elbo(x, y).fullValue() > start.elbo(x, y).fullValue())
    }

    /// A task cancelled before its fit starts does not fit at all.
    @Test func cancelledTaskDoesNotStartAFit() async throws {
        let (x, y) = Self.data()
        let log = ProgressLog()
        let task = Task { () async throws -> FitReport in
            withUnsafeCurrentTask { $0?.cancel() }
            var model = ExactGP(kernel: Matern52(lengthscale: [1, 1]))
            return try await model.fit(x, y, options: FitOptions(progress: { p in log.seen.withLock { $0.append(p) }; return .continue }))
        }
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(log.count == 0)
    }
}

/// A small Gaussian SVGP on the data's first 10 points as inducing inputs.
enum SVGPTestModel {
    static func make(_ x: Matrix) -> SVGP {
        let z = Matrix(rows: 10, cols: x.cols, storage: (0..<x.cols).flatMap { c in (0..<10).map { x[$0, c] } })
        return try! SVGP(kernel: Matern52(lengthscale: [1, 1]), likelihood: GaussianLikelihood(variance: 0.1), inducing: z)
    }
}
