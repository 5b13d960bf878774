import Foundation
import ArgumentParser
import GPLinearAlgebra
import SwiftGP

/// The exit codes of `swiftgp` and `swiftgp-mpi`, documented in every command's help.
public enum ExitStatus: Int32, CaseIterable {
    case success = 0
    case internalError = 1
    case usage = 2
    case inputData = 3
    case modelFile = 4
    case numerical = 5
    case output = 6

    public var meaning: String {
        switch self {
        case .success: return "success"
        case .internalError: return "unexpected internal error (please report it)"
        case .usage: return "usage error: bad options or option values; unknown or unsupported kernel, model or likelihood"
        case .inputData: return "input data error (the message names file, line and column)"
        case .modelFile: return "model file error: missing, corrupt, truncated, wrong version, invalid field (named)"
        case .numerical: return "numerical failure: matrix not positive definite despite jitter; a non-finite prediction"
        case .output: return "output refused or not written: bad name, an input file, a write error (no partial file is left)"
        }
    }

    /// The table shown in `--help`.
    public static var helpText: String {
        "EXIT CODES\n" + allCases.map { "  \($0.rawValue)  \($0.meaning)" }.joined(separator: "\n")
    }
}

/// An error classified for the user: its exit status and a message (with advice where there is some).
public struct Failure {
    public let status: ExitStatus
    public let message: String

    public init(_ error: any Error) {
        switch error {
        case let e as DataError: (status, message) = (.inputData, e.description)
        case let e as DatasetError: (status, message) = (.inputData, e.description)
        case let e as ColumnFileError: (status, message) = (.inputData, e.description)
        case let e as ModelFileError: (status, message) = (.modelFile, e.description)
        case let e as OutputError: (status, message) = (.output, e.description)
        case let e as ConfigurationError: (status, message) = (.usage, e.description)
        case let e as ValidationError: (status, message) = (.usage, e.message)
        case let e as KernelExpressionError: (status, message) = (.usage, e.description)
        case let e as TrainingError: (status, message) = (.usage, e.description)
        case let e as Prior.InvalidPrior: (status, message) = (.usage, e.description)
        case let e as ParameterError: (status, message) = (.usage, e.description)
        case let e as StateSpaceError: (status, message) = (.usage, e.description)
        case let e as MagmaError: (status, message) = (.inputData, e.description)
        case let e as LinearAlgebraError: (status, message) = (.numerical, Failure.numericalAdvice(e))
        case let e as CholmodError: (status, message) = (.numerical, "numerical failure: \(e.description)")
        case let e as PredictionError:
            if case .inputColumns = e { (status, message) = (.inputData, e.description) }
            else { (status, message) = (.numerical, "numerical failure: \(e.description)") }
        default: (status, message) = (.internalError, "internal error: \(error)")
        }
    }

    public static func numericalAdvice(_ e: LinearAlgebraError) -> String {
        switch e {
        case .notPositiveDefinite:
            return """
                numerical failure: \(e.description).
                The covariance matrix could not be factorised even with the largest jitter. Try:
                  - a higher noise floor, e.g. --noise-floor 1e-4;
                  - standardised data (drop --no-standardize) so columns have comparable scales;
                  - removing duplicate or near-duplicate rows, or constant feature columns;
                  - a rougher kernel (matern32 or matern12 instead of rbf).
                """
        case .nonFinite:
            return """
                numerical failure: the covariance \(e.description).
                The inputs are probably too large for the kernel. Try standardised data (drop \
                --no-standardize) or rescale the columns.
                """
        default:
            return "numerical failure: \(e.description)"
        }
    }
}

extension ParsableCommand {
    /// The entry point of a root command: parses (usage errors exit 2, help and version exit 0), runs, and maps
    /// every error to its `ExitStatus` with the message on standard error, prefixed `name: error:`.
    public static func runMappingErrors(name: String) -> Never {
        let parsed: any ParsableCommand
        do { parsed = try parseAsRoot() } catch {
            if exitCode(for: error) == .success { exit(withError: error) }
            Console.error(fullMessage(for: error))
            Foundation.exit(ExitStatus.usage.rawValue)
        }
        do {
            var command = parsed
            try command.run()
        } catch {
            // A command group run without a subcommand asks for help.
            if exitCode(for: error) == .success { exit(withError: error) }
            let failure = Failure(error)
            Console.error("\(name): error: \(failure.message)")
            Foundation.exit(failure.status.rawValue)
        }
        Foundation.exit(ExitStatus.success.rawValue)
    }
}
