import Foundation

/// The kind-specific part of a model file (`state`): one case per kind (or family of kinds) that keeps
/// more than kernel, likelihood, mean and training data. Kinds without state (`exact`, `statespace`)
/// store none.
///
/// Encoded as the payload's own JSON object, without a tag, so format-version-1 files read unchanged;
/// decoding recognises the payload by its keys (`inducing` → `.inducingPoints`, `variational_factor` → `.dklgp`,
/// `neighbours` → `.vecchia`,
/// `site_precisions` → `.sites`).
/// - Complexity: that of the payload (for inducing points O(M d + M² L) numbers).
public enum ModelState: Codable, Sendable, Equatable {
    /// `sgpr`, `svgp`: the inducing inputs and the projected q(u).
    case inducingPoints(InducingPointState)
    /// `vecchia`: the neighbour count.
    case vecchia(VecchiaState)
    /// `gpc`: the inference method and the Gaussian sites of the posterior.
    case sites(SiteState)
    /// `magmaclust`: tasks, kernels, memberships and mixing weights.
    case magmaclust(MagmaClustState)
    /// `gpssm`: the transition kernels, the model's parameters and the posterior draws.
    case gpssm(GPSSMState)
    /// `dklgp`: m, the ancestor rule, the ordering's scales and q(f).
    case dklgp(DKLGPState)

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// - Throws: `ModelFileError.invalid` for an object no case recognises or a payload that fails its
    ///   checks; `DecodingError` when `state` is not an object or a key is missing or mistyped.
    public init(from decoder: any Decoder) throws {
        let keys = try decoder.container(keyedBy: Key.self).allKeys.map(\.stringValue)
        if keys.contains(InducingPointState.CodingKeys.inducing.stringValue) {
            self = .inducingPoints(try InducingPointState(from: decoder))
            return
        }
        if keys.contains(DKLGPState.CodingKeys.factor.stringValue) {
            self = .dklgp(try DKLGPState(from: decoder))
            return
        }
        if keys.contains(VecchiaState.CodingKeys.neighbours.stringValue) {
            self = .vecchia(try VecchiaState(from: decoder))
            return
        }
        if keys.contains(MagmaClustState.CodingKeys.memberships.stringValue) {
            self = .magmaclust(try MagmaClustState(from: decoder))
            return
        }
        if keys.contains(GPSSMState.CodingKeys.latentDimension.stringValue) {
            self = .gpssm(try GPSSMState(from: decoder))
            return
        }
        if keys.contains(SiteState.CodingKeys.precisions.stringValue) {
            self = .sites(try SiteState(from: decoder))
            return
        }
        throw ModelFileError.invalid(
            detail: "'state' holds \(keys.isEmpty ? "no keys" : keys.sorted().map { "'\($0)'" }.joined(separator: ", ")); "
                + "expected an inducing-point state (inducing, inducing_shape, projected_mean, projected_sqrt), "
                + "a vecchia state (neighbours), a magmaclust state (tasks, memberships, …), a gpssm state (latent_dimension, …), "
                + "a site state (inference, site_first, site_precisions) "
                + "or a dklgp state (neighbours, ancestors, nugget, scales, variational_mean, variational_factor)")
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case let .inducingPoints(state): try state.encode(to: encoder)
        case let .vecchia(state): try state.encode(to: encoder)
        case let .sites(state): try state.encode(to: encoder)
        case let .magmaclust(state): try state.encode(to: encoder)
        case let .gpssm(state): try state.encode(to: encoder)
        case let .dklgp(state): try state.encode(to: encoder)
        }
    }

    /// One line for `swiftgp info`: what the state holds beyond kernel, likelihood and mean (the inference
    /// method, the inducing points, the neighbour count).
    public var summary: String {
        switch self {
        case let .inducingPoints(state):
            return "\(state.inducingCount) inducing points" + (state.latentCount > 1 ? ", \(state.latentCount) latent functions" : "")
        case let .vecchia(state): return "\(state.neighbours) nearest previous neighbours"
        case let .sites(state): return "inference \(state.inference.rawValue), \(state.precisions.count) Gaussian sites"
        case let .magmaclust(state):
            return "\(state.mixingWeights.count) cluster\(state.mixingWeights.count == 1 ? "" : "s") over \(state.tasks.count) tasks"
        case let .dklgp(state): return "\(state.neighbours) nearest previous neighbours, \(state.mean.count) variational columns"
        case let .gpssm(state):
            return "inference \(state.method.rawValue), \(state.latentDimension) latent states, \(state.trajectories.count) posterior draws"
        }
    }

    /// Kind-independent checks against the file's features (`ModelFile.validate`).
    func validate(featureCount d: Int) throws {
        switch self {
        case let .inducingPoints(state): try state.validate(featureCount: d)
        case let .vecchia(state): try state.validate(featureCount: d)
        case let .gpssm(state): try state.validate(featureCount: d)
        case let .dklgp(state): try state.validate(featureCount: d)
        case .sites, .magmaclust: break   // checked against the training rows when the predictor is built
        }
    }
}
