import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where an output goes, decided (and checked) before any work is done:
/// - `-` is standard output;
/// - a symbolic link is followed to the file it names (the link itself is never replaced);
/// - an existing character device or FIFO (`/dev/null`, a named pipe) is written in place;
/// - anything else is a regular file, replaced atomically (temporary file + rename in its directory).
///
/// Checks: the name is not empty, no component exceeds NAME_MAX and the path PATH_MAX, the directory exists
/// and is writable, the destination is not a directory, a block device or a socket, and it is not the same
/// file (device and inode) as any of the command's inputs.
/// - Complexity: a few `stat` calls per input and per symbolic link followed.
public enum OutputDestination: Equatable, Sendable {
    case standardOutput
    /// An existing character device or FIFO at `path`, opened for writing without replacing it.
    case inPlace(path: String)
    /// A regular file at `path` (symbolic links resolved); `display` is the name the user gave.
    case file(path: String, display: String)

    /// The largest path component (bytes) and whole path the system accepts.
    public static let nameLimit = Int(NAME_MAX)
    public static let pathLimit = Int(PATH_MAX) - 1

    /// Resolves and checks `name`; `inputs` are the files the command reads (`-` is skipped).
    /// - Throws: `OutputError`.
    public init(_ name: String, inputs: [String] = []) throws {
        if name == "-" { self = .standardOutput; return }
        guard !name.isEmpty else { throw OutputError.emptyName }
        try Self.checkLength(name, display: name)
        var info = stat()
        var path = name
        if stat(name, &info) == 0 {
            switch info.st_mode & S_IFMT {
            case S_IFDIR: throw OutputError.isDirectory(path: name)
            case S_IFCHR, S_IFIFO:
                // Opened through the name (and any links): /dev/stdout, a terminal, a named pipe.
                guard access(name, W_OK) == 0 else {
                    throw OutputError.notWritable(path: name, reason: String(cString: strerror(errno)))
                }
                self = .inPlace(path: name)
                return
            case S_IFREG:
                for input in inputs where input != "-" {
                    var other = stat()
                    if stat(input, &other) == 0, other.st_dev == info.st_dev, other.st_ino == info.st_ino {
                        throw OutputError.sameAsInput(path: name, input: input)
                    }
                }
            case S_IFBLK: throw OutputError.unsupportedDestination(path: name, kind: "block device")
            case S_IFSOCK: throw OutputError.unsupportedDestination(path: name, kind: "socket")
            default: throw OutputError.unsupportedDestination(path: name, kind: "special file")
            }
        }
        // A regular file or a new one: the rename replaces the file a symbolic link names, never the link.
        path = try Self.followLinks(name)
        try Self.checkLength(path, display: name)
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var dirInfo = stat()
        guard stat(directory, &dirInfo) == 0 else {
            if errno == ENOTDIR {
                throw OutputError.notWritable(path: name, reason: "a component of '\(Echo.path(directory))' is not a directory")
            }
            throw OutputError.directoryMissing(path: name, directory: directory)
        }
        guard dirInfo.st_mode & S_IFMT == S_IFDIR else {
            throw OutputError.notWritable(path: name, reason: "'\(Echo.path(directory))' is not a directory")
        }
        guard access(directory, W_OK) == 0 else {
            throw OutputError.notWritable(path: name, reason: "directory '\(Echo.path(directory))' is not writable")
        }
        self = .file(path: path, display: name)
    }

    /// `name` with symbolic links in its last component followed (at most 40, as the kernel does); a
    /// dangling link resolves to the missing file it names.
    private static func followLinks(_ name: String) throws -> String {
        var path = name
        for _ in 0..<40 {
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFLNK else { return path }
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(path, &buffer, Int(PATH_MAX))
            guard n > 0 else { throw OutputError.notWritable(path: name, reason: String(cString: strerror(errno))) }
            let target = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            path = target.hasPrefix("/") ? target
                : URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(target).path
        }
        throw OutputError.notWritable(path: name, reason: "too many levels of symbolic links")
    }

    private static func checkLength(_ path: String, display: String) throws {
        if path.utf8.count > pathLimit { throw OutputError.nameTooLong(path: display, limit: pathLimit, what: "path") }
        for component in path.split(separator: "/") where component.utf8.count > nameLimit {
            throw OutputError.nameTooLong(path: display, limit: nameLimit, what: "file name")
        }
    }

    /// The name to show the user.
    public var display: String {
        switch self {
        case .standardOutput: return "standard output"
        case let .inPlace(p): return p
        case let .file(_, d): return d
        }
    }
}
