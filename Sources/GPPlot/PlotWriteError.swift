import Foundation

#if canImport(Glibc)
import Glibc
private func posixWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int { Glibc.write(fd, bytes, count) }
#elseif canImport(Musl)
import Musl
private func posixWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int { Musl.write(fd, bytes, count) }
#elseif canImport(Darwin)
import Darwin
private func posixWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int { Darwin.write(fd, bytes, count) }
#endif

/// Thrown when a figure cannot be written; `path` is the destination that was asked for.
public struct PlotWriteError: Error, CustomStringConvertible, LocalizedError {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "cannot write plot to '\(path)': \(reason)" }
    public var errorDescription: String? { description }
}

/// Writes `data` to a hidden temporary file next to `path`, fsyncs it, then renames it onto
/// `path` (atomic on POSIX file systems). Any failure removes the temporary file.
func writeFileAtomically(_ data: Data, to path: String) throws {
    let expanded = (path as NSString).expandingTildeInPath
    guard !expanded.isEmpty, !expanded.hasSuffix("/") else {
        throw PlotWriteError(path: path, reason: "not a file path")
    }
    let url = URL(fileURLWithPath: expanded)
    let name = url.lastPathComponent
    let directory = url.deletingLastPathComponent().path

    func failure(_ what: String, _ code: Int32) -> PlotWriteError {
        PlotWriteError(path: path, reason: "\(what): \(String(cString: strerror(code)))")
    }

    var temporary = ""
    var fd: Int32 = -1
    for _ in 0..<8 {
        let token = UUID().uuidString.prefix(8)
        temporary = (directory as NSString).appendingPathComponent(".\(name).\(token).tmp")
        fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        if fd >= 0 || errno != EEXIST { break }
    }
    guard fd >= 0 else { throw failure("cannot create a temporary file in '\(directory)'", errno) }

    var ok = false
    defer {
        if !ok { unlink(temporary) }
    }
    let writeError: Int32? = data.withUnsafeBytes { buffer -> Int32? in
        guard let base = buffer.baseAddress else { return nil }
        var offset = 0
        while offset < buffer.count {
            let n = posixWrite(fd, base + offset, buffer.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += n
        }
        return nil
    }
    if let code = writeError {
        close(fd)
        throw failure("write failed", code)
    }
    if fsync(fd) != 0 {
        let code = errno
        close(fd)
        throw failure("fsync failed", code)
    }
    if close(fd) != 0 { throw failure("close failed", errno) }
    if rename(temporary, expanded) != 0 { throw failure("rename failed", errno) }
    ok = true
}
