import Foundation

/// Why an output could not be written, or was refused before any work was done.
public enum OutputError: Error, Equatable, Sendable, CustomStringConvertible {
    case directoryMissing(path: String, directory: String)
    case isDirectory(path: String)
    case notWritable(path: String, reason: String)
    /// `--output ""`.
    case emptyName
    /// A path component longer than NAME_MAX bytes, or a path longer than PATH_MAX.
    case nameTooLong(path: String, limit: Int, what: String)
    /// The output is the same file (same device and inode) as an input the command reads.
    case sameAsInput(path: String, input: String)
    /// A destination that is neither a regular file, a character device nor a FIFO (a block device, a socket).
    case unsupportedDestination(path: String, kind: String)
    /// Writing to standard output failed (a full disk, a closed pipe, …).
    case standardOutput(reason: String)

    public var description: String {
        switch self {
        case let .directoryMissing(p, d): return "\(Echo.path(p)): cannot write output: directory '\(Echo.path(d))' does not exist"
        case let .isDirectory(p): return "\(Echo.path(p)): cannot write output: it is a directory"
        case let .notWritable(p, r): return "\(Echo.path(p)): cannot write output (\(r))"
        case .emptyName: return "cannot write output: the output name is empty"
        case let .nameTooLong(p, l, w):
            return "\(Echo.text(p)): cannot write output: the \(w) is longer than \(l) bytes"
        case let .sameAsInput(p, i):
            return "\(Echo.path(p)): cannot write output: it is the input file '\(Echo.path(i))'; choose another output name "
                + "(nothing was written)"
        case let .unsupportedDestination(p, k): return "\(Echo.path(p)): cannot write output to a \(k)"
        case let .standardOutput(r): return "cannot write to standard output (\(r))"
        }
    }
}
