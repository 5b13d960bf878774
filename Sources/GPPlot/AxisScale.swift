import Foundation

/// How data values map to positions along an axis.
public enum AxisScale: Sendable, Hashable {
    /// Position proportional to the value.
    case linear
    /// Position proportional to log₁₀(value); values ≤ 0 cannot be shown and are skipped.
    case log10

    /// The value in "axis space" (the value itself, or its log₁₀), or nil when the value
    /// cannot be placed on this axis (NaN, ±∞, or ≤ 0 on a log axis).
    public func transform(_ value: Double) -> Double? {
        guard value.isFinite else { return nil }
        switch self {
        case .linear: return value
        case .log10: return value > 0 ? decimalLog(value) : nil
        }
    }

    /// Inverse of `transform`.
    public func inverse(_ t: Double) -> Double {
        switch self {
        case .linear: return t
        case .log10: return pow(10, t)
        }
    }
}
