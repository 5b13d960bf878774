import Foundation
import GPLinearAlgebra

// swiftgp-bench: the SwiftGP side of the scripted benchmarks (Benchmarks/README.md). Each subcommand reads
// CSV files (`x1..xd,y`, already standardised) and prints ONE JSON line on stdout.

let usage = """
    usage: swiftgp-bench <command> [options]

      exact-lml  --data F.csv [--repeats R] [--warmup W]
                 log marginal likelihood + gradient (ARD Matérn-5/2, lengthscales 1, variance 1, noise 0.1),
                 with the LAPACK floor (dpotrf + dpotri) and a stage breakdown
      exact-fit  --train F.csv --test G.csv [--iterations N] [--repeats R]
                 L-BFGS fit from the same initial point, then test RMSE / NLPD and predict time
      svgp-fit   --train F.csv --test G.csv --inducing M --batch-size B --iterations N
                 [--likelihood gaussian|bernoulli] [--learning-rate 0.01] [--seed S] [--repeats R]
                 SVGP (whitened, full-Cholesky q(u), Z = first M rows) trained with Adam on minibatches; time per
                 iteration beside the FLOP floor, full-data ELBO, test RMSE/NLPD or error/NLPD
      svgp-batches --n N --batch-size B --iterations K [--seed S] --output F
                 the minibatches svgp-fit's engine draws, one line per iteration (for the peers' --batches)
      statespace-lml (--data F.csv | --n T [--seed S]) [--repeats R] [--warmup W] [--exact-limit N]
                 Kalman LML + gradient of a Matérn-5/2 time series (ℓ 1, variance 1, noise 0.1; CSV x1 = time, y),
                 the forward filter alone, and the dense exact GP on the same data when T ≤ N (default 20000)
      statespace-spikes [--trials 10] [--bins 500] [--neurons 50] [--seed S] [--repeats R]
                 latent-factor Poisson fit of Van der Pol spike trains (the cvhmax benchmark): fit time, pooled R²
      spatial-vecchia --train F.csv --test G.csv [--neighbors 30] [--fit-neighbors M] [--fit-subsample S]
                 [--iterations N] [--seed S]
                 Vecchia GP (exponential kernel) on Heaton's simulated temperatures: fit, predict the test cells
                 from their nearest training cells, competition scores (MAE, RMSE, CRPS, interval score, coverage)
      dklgp-data --seed S --output-prefix P [--n-train 2000] [--n-test 500] [--dimension 5]
                 DKLGP simulation 1: a Matérn-3/2 ARD latent field on [0,1]^d, Gaussian / Student-t / logit targets
      dklgp-fit  --train F.csv --test G.csv --model dklgp|svgp --likelihood gaussian|studentt|logit
                 [--neighbors 20] [--inducing M] [--epochs 10] [--batch-size 128] [--learning-rate 0.1] [--seed S]
                 DKLGP or SVGP (M = m + 1) with Adam on minibatches; latent RMSE / NLL and time per epoch
      dklgp-micro --train F.csv [--likelihood L] [--neighbors 20] [--ancestor-cap 48] [--batch-size 128] [--repeats 5]
                 DKLGP set-up and one epoch of minibatch ELBO + gradient evaluations timed alone (minimum, median)
      classification-uci --data F.csv --folds F.json [--methods ep-like,vi,laplace] [--seeds K] [--rounds R]
                 [--step-size β] [--cvi-iterations N] [--m-step-iterations M] [--adam LR] [--tolerance T]
                 full-GP classification on a UCI set with its given folds (first K cv-seeds), the paper's protocol:
                 per method and fold the test log-likelihood, accuracy, fit seconds
      magma-sim  [--seed S] [--tasks 50] [--points 30] [--clusters 3] [--observed 20] [--hypothesis Hk0]
                 one repeat of the MagmaClust paper's simulation: fit on M tasks, forecast a new task; MSE, WCIC95,
                 ARI, training time
      magma-swimmers --data swimmers.csv --gender 1|2 [--seed S] [--clusters 5] [--hypothesis H00]
                 MagmaClust on the French swimmers: train/test split of swimmers, forecast the last races; MSE, WCIC95
      gpssm-kink --variance R [--steps 600] [--seed S] [--method free-form|collapsed|particle-gibbs|gaussian-vi]
                 [--iterations N] [--particles 30]
                 GPSSM on the kink series: RMSE of f on the reference grid, test MNLL of a 30-step free run
      gpssm-sysid --data F.csv [--method M] [--iterations N] [--seed S] [--particles 30]
                 GPSSM system identification (first half train): 30-step free-run RMSE and NLL, time
      plot       --input results.json --output fig.svg
                 log-log scaling plot of a suite's results
      io         --data F.csv [--repeats R]
                 the CLI's I/O: DataTable.read of the CSV, and writing one prediction row per data row (AtomicFile)
      kernel-micro --data F.csv [--repeats R]      (profiling) the kernel's Gram, gradient and cross alone
      leak-check   --data F.csv [--evaluations E]  (diagnostic) peak RSS after each LML evaluation

    One BLAS thread (BLASThreads.set(1)) for every command; freed heap memory is kept for reuse
    (HeapPolicy.retainFreedMemory(), as in the swiftgp CLI).
    """

BLASThreads.set(1)
HeapPolicy.retainFreedMemory()
let argv = CommandLine.arguments
guard argv.count >= 2, !["-h", "--help", "help"].contains(argv[1]) else {
    print(usage)
    exit(argv.count >= 2 ? 0 : 2)
}
do {
    let args = try Arguments(argv.dropFirst(2))
    switch argv[1] {
    case "exact-lml": try exactLML(args)
    case "exact-fit": try exactFit(args)
    case "svgp-fit": try svgpFit(args)
    case "svgp-batches": try svgpBatches(args)
    case "plot": try plotCommand(args)
    case "io": try ioCommand(args)
    case "kernel-micro": try kernelMicro(args)
    case "leak-check": try leakCheck(args)
    case "statespace-lml": try stateSpaceLML(args)
    case "statespace-spikes": try stateSpaceSpikes(args)
    case "spatial-vecchia": try spatialVecchia(args)
    case "classification-uci": try classificationUCI(args)
    case "magma-sim": try magmaSim(args)
    case "magma-swimmers": try magmaSwimmers(args)
    case "gpssm-kink": try gpssmKink(args)
    case "gpssm-sysid": try gpssmSysid(args)
    case "dklgp-data": try dklgpData(args)
    case "dklgp-fit": try dklgpFit(args)
    case "dklgp-micro": try dklgpMicro(args)
    default: throw BenchError("unknown command '\(argv[1])'\n\(usage)")
    }
} catch {
    FileHandle.standardError.write(Data("swiftgp-bench: \(error)\n".utf8))
    exit(2)
}
