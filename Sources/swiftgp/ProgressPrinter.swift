import Foundation
import GPCommandOptions
import SwiftGP

/// Prints training progress on standard error: iteration, objective (on the data scale), elapsed time
/// and an estimate of the time left, at most a few lines per second.
final class ProgressPrinter: @unchecked Sendable {
    private let lock = NSLock()
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    private var lastPrint: ContinuousClock.Instant? = nil
    private let runs: Int
    /// Minimum seconds between lines.
    private let interval: Double

    init(restarts: Int, interval: Double = 0.25) {
        self.runs = restarts + 1
        self.interval = interval
        self.start = clock.now
    }

    private func seconds(since t: ContinuousClock.Instant) -> Double {
        let c = (clock.now - t).components
        return Double(c.seconds) + Double(c.attoseconds) * 1e-18
    }

    /// Called after every iteration; prints the first one and then at most one line per `interval`.
    func report(_ p: FitProgress) {
        lock.lock()
        defer { lock.unlock() }
        if let last = lastPrint, seconds(since: last) < interval, p.iteration != 1 { return }
        lastPrint = clock.now
        // Time left if every remaining iteration of this run and of the later runs is used (an upper bound).
        let perIteration = p.elapsedSeconds / Double(max(p.iteration, 1))
        let total = max(runs, p.runs)
        let left = p.estimatedSecondsLeft + perIteration * Double(p.maxIterations * max(0, total - p.restart - 1))
        let run = total > 1 ? "run \(p.restart + 1)/\(total)  " : ""
        Console.error("fit: \(run)iteration \(p.iteration)/\(p.maxIterations)  objective \(String(format: "%.6g", p.objective))"
                      + "  elapsed \(format(seconds(since: start)))  left ≤ \(format(left))")
    }

    /// The closing summary.
    func finish(_ file: ModelFile, output: String) {
        let t = file.training
        Console.error("fit: stopped (\(t.stopReason)) after \(plural(t.iterations, "iteration")); \(t.objectiveName) "
                      + "\(String(format: "%.6g", t.objective)); \(format(t.seconds)); jitter \(String(format: "%g", t.jitter))")
        if let n = t.screenStarts, let s = t.screenSeconds {
            Console.error("fit: start screen evaluated \(plural(n, "starting point")) in \(format(s))")
        }
        Console.error("fit: wrote \(file.model) model (\(plural(file.features.count, "feature")), "
                      + "\(plural(t.points, "point"))) to \(output)")
    }

    private func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }

    private func format(_ s: Double) -> String {
        s < 60 ? String(format: "%.1fs", s) : String(format: "%dm%02ds", Int(s) / 60, Int(s) % 60)
    }
}
