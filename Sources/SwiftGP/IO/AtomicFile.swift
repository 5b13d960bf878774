import Foundation
#if canImport(Glibc)
import Glibc
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin
private let systemWrite = Darwin.write
#endif

/// Why an output file could not be written.
public enum OutputError: Error, Equatable, Sendable, CustomStringConvertible {
    case directoryMissing(path: String, directory: String)
    case isDirectory(path: String)
    case notWritable(path: String, reason: String)

    public var description: String {
        switch self {
        case let .directoryMissing(p, d): return "\(p): cannot write output: directory '\(d)' does not exist"
        case let .isDirectory(p): return "\(p): cannot write output: it is a directory"
        case let .notWritable(p, r): return "\(p): cannot write output (\(r))"
        }
    }
}

/// Writes files atomically: the bytes go to a temporary file in the destination's directory, are
/// flushed to disk, and the temporary file is renamed over the destination. Readers see the old file
/// or the new one, never a partial one; on failure the destination is untouched and the temporary
/// file removed.
public enum AtomicFile {
    /// Checks, without writing anything, that `path` could be written: its directory exists and is
    /// writable, and `path` is not a directory. Call it before expensive work.
    /// - Throws: `OutputError`.
    public static func checkWritable(_ path: String) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw OutputError.isDirectory(path: path)
        }
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw OutputError.directoryMissing(path: path, directory: directory)
        }
        guard isDirectory.boolValue else {
            throw OutputError.notWritable(path: path, reason: "'\(directory)' is not a directory")
        }
        guard access(directory, W_OK) == 0 else {
            throw OutputError.notWritable(path: path, reason: "directory '\(directory)' is not writable")
        }
    }

    /// Writes `data` to `path` atomically. - Throws: `OutputError`.
    public static func write(_ data: Data, to path: String) throws {
        try checkWritable(path)
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        var template = Array("\(directory)/.\(url.lastPathComponent).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw OutputError.notWritable(path: path, reason: String(cString: strerror(errno))) }
        let temporary = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var failure: String? = nil
        data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < buffer.count {
                let n = systemWrite(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    return
                }
                offset += n
            }
        }
        if failure == nil && fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
        // mkstemp creates 0600 files: keep the mode of the file being replaced, else use rw-r--r--.
        var existing = stat()
        let mode: mode_t = stat(path, &existing) == 0 ? existing.st_mode & 0o7777 : 0o644
        if failure == nil && fchmod(fd, mode) != 0 { failure = String(cString: strerror(errno)) }
        close(fd)
        if failure == nil && rename(temporary, path) != 0 { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(temporary)
            throw OutputError.notWritable(path: path, reason: failure)
        }
    }

    /// Writes `text` as UTF-8 to `path` atomically. - Throws: `OutputError`.
    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }
}
