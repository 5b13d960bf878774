/// The `async` fits: the same synchronous engine run, stopped after the iteration in which the running task
/// is cancelled (`Trainer.fit` and `Trainer.alternate` check `Task.isCancelled` after every iteration). The
/// model keeps the best parameters found so far, then `CancellationError` is thrown. The fit runs on the
/// caller's executor; start it in a `Task` (or `Task.detached`) to fit concurrently.
/// - Complexity: that of the synchronous fit.
extension Trainer {
    static func cancellable(_ body: () throws -> FitReport) async throws -> FitReport {
        try Task.checkCancellation()
        let report = try body()
        if report.stopReason == FitReport.cancelledReason { throw CancellationError() }
        return report
    }
}

extension ExactGP {
    /// `fit(_:_:options:)` as an `async` call that honours task cancellation (`Trainer.cancellable`).
    /// - Throws: `CancellationError` when the task is cancelled (the best parameters so far are kept).
    @discardableResult
    public mutating func fit(_ x: Matrix, _ y: [Double], options: FitOptions = FitOptions()) async throws -> FitReport {
        try await Trainer.cancellable { try self.fit(x, y, options: options) }
    }
}

extension SGPR {
    /// `fit(_:_:options:)` as an `async` call that honours task cancellation (`Trainer.cancellable`).
    /// - Throws: `CancellationError` when the task is cancelled (the best parameters so far are kept).
    @discardableResult
    public mutating func fit(_ x: Matrix, _ y: [Double], options: FitOptions = FitOptions()) async throws -> FitReport {
        try await Trainer.cancellable { try self.fit(x, y, options: options) }
    }
}

extension SVGP {
    /// `fit(_:_:options:naturalGradients:groups:)` as an `async` call that honours task cancellation.
    /// - Throws: `CancellationError` when the task is cancelled (the best parameters so far are kept).
    @discardableResult
    public mutating func fit(_ x: Matrix, _ y: [Double], options: FitOptions = FitOptions(optimizer: .adam()),
                             naturalGradients: NaturalGradientSchedule? = nil, groups: [ParameterGroup] = []) async throws -> FitReport {
        try await Trainer.cancellable { try self.fit(x, y, options: options, naturalGradients: naturalGradients, groups: groups) }
    }
}

extension StateSpaceGP {
    /// `fit(_:_:options:)` as an `async` call that honours task cancellation (`Trainer.cancellable`).
    /// - Throws: `CancellationError` when the task is cancelled (the best parameters so far are kept).
    @discardableResult
    public mutating func fit(_ times: [Double], _ y: [Double], options: FitOptions = FitOptions()) async throws -> FitReport {
        try await Trainer.cancellable { try self.fit(times, y, options: options) }
    }
}
