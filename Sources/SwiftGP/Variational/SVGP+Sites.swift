import GPLinearAlgebra

extension SVGP {
    /// Trains by rounds of CVI site updates and hyperparameter steps with the sites frozen
    /// (docs/methods/sparse-variational.md#sites-and-the-ep-like-objective): the scheme of Li, John & Solin
    /// (2023) on the sparse site form `SparseSiteObjective`. `energy: .epLike` learns the kernel on the EP-like
    /// estimate of log p(y | θ) with Z kept where it is (the estimate is no bound in Z; place Z first, e.g.
    /// k-means); `.elbo` is variational EM on the ELBO, Z included. At the end q(u) is set to the
    /// sites' posterior, p(u) Πₙ tₙ(aₙᵀu) normalised, so prediction and saving are those of any SVGP.
    /// `options.maxIterations` bounds the rounds, `siteTraining` sets each round (the M-step uses
    /// `options.optimizer`; the objective is deterministic given the sites, so L-BFGS is the default).
    /// - Throws: `TrainingError.invalidData` for unusable data or a likelihood with more than one latent
    ///   function (softmax); `TrainingError.invalidGroups` for a mean-field q(u) or unusable settings;
    ///   numerical failures at the start.
    /// - Complexity: per round (cviIterations + M-step evaluations) × O(n M² + M³); all rows every evaluation.
    @discardableResult
    public mutating func fit(_ x: Matrix, _ y: [Double], siteEnergy energy: SiteEnergy,
                             siteTraining: SiteTrainingSettings = SiteTrainingSettings(),
                             options: FitOptions = FitOptions()) throws -> FitReport {
        guard let scalar = likelihood as? any ScalarLikelihood else {
            throw TrainingError.invalidData("site training needs a likelihood with one latent function, not \(likelihood.latentCount)")
        }
        guard variational.covariance == .full else {
            throw TrainingError.invalidGroups("site training sets a full-covariance q(u); this model's q(u) is mean-field")
        }
        let sized = kernel.sizedToData(DataSummary(x: x, y: y).inputScales)
        try TrainingDataCheck.check(x: x, y: y, kernel: sized, likelihood: likelihood, inputDimension: inputDimension)
        var objective = SparseSiteObjective(kernel: sized, likelihood: scalar, inducing: z, x: x, y: y, energy: energy, jitter: jitter)
        objective.inducingInputs = inducingInputs   // with its trainable flag
        // Z is a variational parameter, not a model hyperparameter: the ELBO bounds log p(y) for every Z, but the
        // EP-like estimate does not, and with Z free it rises without limit by moving Z away from the data (the
        // Nyström residual takes the latent variance). So the EP-like rounds keep Z where it is.
        if energy == .epLike { objective.inducingInputs.isTrainable = false }
        let report = try siteTraining.trainRounds(&objective, options: options)
        kernel = objective.kernel
        inducingInputs.value = objective.inducingInputs.value
        try setVariational(fromSites: objective)
        return report
    }

    /// Sets q(u) to the posterior of `sites` under this model's kernel and Z (whitened: q(w) = N(P⁻¹b, P⁻¹);
    /// unwhitened: u = Lw).
    public mutating func setVariational(fromSites objective: SparseSiteObjective) throws {
        let q = try objective.whitenedPosterior()
        switch parametrisation {
        case .whitened:
            variational.set(latent: 0, mean: q.mean, sqrt: q.sqrt)
        case .unwhitened:
            var sqrt = q.sqrt
            trmm(.left, .lower, .none, q.factor, &sqrt)
            variational.set(latent: 0, mean: matvec(q.factor, q.mean), sqrt: sqrt)
        }
    }
}
