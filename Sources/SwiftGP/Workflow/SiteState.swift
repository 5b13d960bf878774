import Foundation
import GPLinearAlgebra

/// What a full-GP classifier (`gpc`) keeps in a model file's `state`: its inference method and the Gaussian
/// sites (ν̃, τ̃) of its posterior, one per training row (the rows themselves are the file's `data`). Loading
/// rebuilds the `SitePosterior` from the stored kernel, data and sites, so it predicts exactly as the
/// trained model did. Keys: `inference`, `site_first` (ν̃), `site_precisions` (τ̃ ≥ 0).
/// - Complexity: O(n) numbers to store, read and check.
public struct SiteState: Codable, Sendable, Equatable {
    public let inference: ClassificationInference
    public let first: [Double]
    public let precisions: [Double]

    /// The state of a trained posterior.
    public init(inference: ClassificationInference, sites: GaussianSites) {
        self.inference = inference
        first = sites.first
        precisions = sites.second
    }

    enum CodingKeys: String, CodingKey {
        case inference
        case first = "site_first"
        case precisions = "site_precisions"
    }

    /// - Throws: `ModelFileError.invalid` for arrays of different lengths, a non-finite value or a negative
    ///   precision; `DecodingError` for missing keys, non-numbers or an unknown inference name.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        inference = try c.decode(ClassificationInference.self, forKey: .inference)
        first = try c.decode([Double].self, forKey: .first)
        precisions = try c.decode([Double].self, forKey: .precisions)
        let at = decoder.codingPath.map(\.stringValue).joined(separator: ".")
        guard first.count == precisions.count else {
            throw ModelFileError.invalid(detail: "'\(at).site_first' has \(first.count) values but '\(at).site_precisions' \(precisions.count)")
        }
        try InducingPointState.checkFinite([("site_first", first), ("site_precisions", precisions)], at: at)
        if let i = precisions.firstIndex(where: { $0 < 0 }) {
            throw ModelFileError.invalid(detail: "'\(at).site_precisions' value \(i) is \(precisions[i]), a negative precision")
        }
    }

    /// The sites, after checking that there is one per training row.
    /// - Throws: `ModelFileError.invalid` otherwise.
    public func sites(rows n: Int) throws -> GaussianSites {
        guard first.count == n else {
            throw ModelFileError.invalid(detail: "'state' holds \(first.count) sites for \(n) training rows")
        }
        var s = GaussianSites(count: n, dimension: 1)
        s.first = first
        s.second = precisions
        return s
    }
}
