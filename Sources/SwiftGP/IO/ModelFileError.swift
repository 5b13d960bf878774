import Foundation

/// Why a model file could not be read. Descriptions name the file and say what to do about it.
public enum ModelFileError: Error, Equatable, Sendable, CustomStringConvertible {
    case fileNotFound(path: String)
    case unreadable(path: String, reason: String)
    /// Not parseable JSON: truncated or corrupted.
    case corrupt(path: String, detail: String)
    /// Valid JSON, but not a SwiftGP model file.
    case wrongFormat(path: String, found: String?)
    /// Written by a newer SwiftGP than this one.
    case unsupportedVersion(path: String, found: Int, supported: Int)
    /// A SwiftGP model file whose contents do not make sense (missing keys, bad shapes, bad values).
    case invalid(detail: String)
    /// `invalid` with the file named.
    case invalidFile(path: String, detail: String)

    /// The same error with `path` attached (for errors raised before the file name was known).
    public func naming(_ path: String) -> ModelFileError {
        if case let .invalid(detail) = self { return .invalidFile(path: path, detail: detail) }
        return self
    }

    public var description: String {
        switch self {
        case let .fileNotFound(p): return "\(p): model file not found"
        case let .unreadable(p, r): return "\(p): cannot read model file (\(r))"
        case let .corrupt(p, d):
            return "\(p): not a readable model file: the JSON is truncated or corrupt (\(d)); refit with 'swiftgp fit'"
        case let .wrongFormat(p, f):
            return "\(p): not a SwiftGP model file (format is \(f.map { "'\($0)'" } ?? "missing"), expected '\(ModelFile.formatName)')"
        case let .unsupportedVersion(p, f, s):
            return "\(p): model file format version \(f) is newer than this swiftgp supports (\(s)); upgrade SwiftGP"
        case let .invalid(d): return "invalid model file: \(d)"
        case let .invalidFile(p, d): return "\(p): invalid model file: \(d)"
        }
    }
}

/// Where and why decoding failed, e.g. `missing key 'kernel'` or `training.iterations: expected Int`.
func decodingErrorDetail(_ error: DecodingError) -> String {
    func at(_ path: [any CodingKey]) -> String {
        path.isEmpty ? "" : path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            .trimmingCharacters(in: CharacterSet(charactersIn: ".")) + ": "
    }
    switch error {
    case let .keyNotFound(key, c): return "\(at(c.codingPath))missing key '\(key.stringValue)'"
    case let .typeMismatch(type, c): return "\(at(c.codingPath))expected \(type)"
    case let .valueNotFound(type, c): return "\(at(c.codingPath))expected \(type), found null"
    case let .dataCorrupted(c): return "\(at(c.codingPath))\(c.debugDescription)"
    @unknown default: return "\(error)"
    }
}

/// A short description of a JSON syntax error.
func jsonErrorDetail(_ error: any Error) -> String {
    let ns = error as NSError
    if let d = ns.userInfo[NSDebugDescriptionErrorKey] as? String { return d }
    if case let DecodingError.dataCorrupted(c) = error {
        return (c.underlyingError.map { "\($0)" }) ?? c.debugDescription
    }
    return error.localizedDescription
}
