#if canImport(Glibc)
import Glibc
private let systemRead = Glibc.read
#elseif canImport(Darwin)
import Darwin
private let systemRead = Darwin.read
#endif

/// Reads a whole input: a regular file, a FIFO or device (`/dev/stdin`, a named pipe), or standard input
/// for `-`. Directories and missing files are reported as such, other failures with the system's reason.
/// - Complexity: O(bytes) time and memory.
public enum InputFile {
    public enum Failure: Error, Equatable, Sendable {
        case notFound
        case isDirectory
        case unreadable(reason: String)
    }

    public static func read(_ path: String) throws(Failure) -> [UInt8] {
        let fd: Int32 = path == "-" ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw errno == ENOENT ? .notFound : .unreadable(reason: String(cString: strerror(errno)))
        }
        defer { if fd != STDIN_FILENO { close(fd) } }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .unreadable(reason: String(cString: strerror(errno))) }
        if info.st_mode & S_IFMT == S_IFDIR { throw .isDirectory }
        var bytes: [UInt8] = []
        var capacity = info.st_mode & S_IFMT == S_IFREG ? max(Int(info.st_size) + 1, 1 << 16) : 1 << 16
        bytes.reserveCapacity(capacity)
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .unreadable(reason: String(cString: strerror(errno)))
            }
            if n == 0 { break }
            if bytes.count + n > capacity {
                capacity = max(capacity * 2, bytes.count + n)
                bytes.reserveCapacity(capacity)
            }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return bytes
    }
}
