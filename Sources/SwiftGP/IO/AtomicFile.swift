import Foundation
#if canImport(Glibc)
import Glibc
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin
private let systemWrite = Darwin.write
#endif

/// A buffered output to an `OutputDestination`, written so no reader ever sees a partial file:
/// a regular file's bytes go to a short-named temporary file in its directory (`.swiftgp-XXXXXX`), are
/// flushed to disk and renamed over the destination by `commit()`; without a commit (an error, a signal
/// once `removeTemporaryFilesOnSignals()` is installed) the temporary file is removed and the destination
/// is untouched. Standard output and in-place destinations (devices, FIFOs) are written as the bytes come.
/// Write errors (a full disk, `/dev/full`) are remembered and thrown by `commit()`.
/// - Complexity: O(bytes); memory O(1 MiB) of buffer.
public final class AtomicFile {
    public let destination: OutputDestination
    private var fd: Int32
    private var temporary: String?
    private var failure: String?
    private var buffer: [UInt8] = []
    private var finished = false
    private static let bufferSize = 1 << 20

    /// Opens `destination` (creates the temporary file). - Throws: `OutputError`.
    public init(_ destination: OutputDestination) throws {
        self.destination = destination
        buffer.reserveCapacity(Self.bufferSize)
        switch destination {
        case .standardOutput:
            fd = STDOUT_FILENO
        case let .inPlace(path):
            fd = open(path, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { throw OutputError.notWritable(path: path, reason: String(cString: strerror(errno))) }
        case let .file(path, display):
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            // The name is registered for the signal handler BEFORE the file exists (then created exclusively, like
            // mkstemp): a signal at any moment finds either no file or a registered one.
            let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
            var generator = SystemRandomNumberGenerator()
            var name = ""
            fd = -1
            for _ in 0..<100 {
                name = "\(directory)/.swiftgp-" + String((0..<6).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
                SignalCleanup.register(name)
                fd = open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
                if fd >= 0 || errno != EEXIST { break }
            }
            guard fd >= 0 else {
                let reason = String(cString: strerror(errno))
                SignalCleanup.register(nil)
                throw OutputError.notWritable(path: display, reason: reason)
            }
            temporary = name
        }
    }

    deinit {
        if !finished { abandon() }
    }

    /// Appends bytes.
    public func write(_ bytes: some Sequence<UInt8>) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.bufferSize { flush() }
    }

    /// Appends `text` as UTF-8.
    public func write(_ text: String) {
        var text = text
        text.withUTF8 { write($0) }
    }

    private func flush() {
        guard failure == nil else { buffer.removeAll(keepingCapacity: true); return }
        buffer.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < bytes.count {
                let n = systemWrite(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    return
                }
                offset += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    private func error(_ reason: String) -> OutputError {
        if case .standardOutput = destination { return .standardOutput(reason: reason) }
        return .notWritable(path: destination.display, reason: reason)
    }

    /// Flushes and, for a regular file, syncs the temporary file, gives it the replaced file's mode
    /// (else rw-r--r--) and renames it over the destination. - Throws: `OutputError`, leaving the
    /// destination untouched.
    public func commit() throws {
        flush()
        finished = true
        if case let .file(path, _) = destination, let temporary {
            if failure == nil && fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
            var existing = stat()
            let mode: mode_t = stat(path, &existing) == 0 ? existing.st_mode & 0o7777 : 0o644
            if failure == nil && fchmod(fd, mode) != 0 { failure = String(cString: strerror(errno)) }
            if close(fd) != 0 && failure == nil { failure = String(cString: strerror(errno)) }
            if failure == nil && rename(temporary, path) != 0 { failure = String(cString: strerror(errno)) }
            if failure != nil { unlink(temporary) }
            SignalCleanup.register(nil)
        } else if case .inPlace = destination {
            if close(fd) != 0 && failure == nil { failure = String(cString: strerror(errno)) }
        }
        if let failure { throw error(failure) }
    }

    /// Drops what was written: removes the temporary file (a regular file's destination is untouched).
    public func abandon() {
        finished = true
        buffer.removeAll()
        if case .standardOutput = destination { return }
        close(fd)
        if let temporary {
            unlink(temporary)
            SignalCleanup.register(nil)
        }
    }

    /// Writes `data` to `path` (`-`: standard output) atomically. - Throws: `OutputError`.
    public static func write(_ data: Data, to path: String) throws {
        let file = try AtomicFile(try OutputDestination(path))
        file.write(data)
        try file.commit()
    }

    /// Writes `text` as UTF-8 to `path` atomically. - Throws: `OutputError`.
    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }

    /// Installs handlers for SIGINT, SIGTERM and SIGHUP (and unblocks them) that remove the temporary file
    /// being written (if any) and then end the process as the signal would have. For programs, such as the CLI, that own
    /// their signals; call once at start-up.
    public static func removeTemporaryFilesOnSignals() { SignalCleanup.install() }
}

/// The temporary file currently being written, kept in a fixed buffer a signal handler can read
/// (async-signal-safe: the handler only calls `unlink`, `signal` and `raise`).
enum SignalCleanup {
    nonisolated(unsafe) static let pending: UnsafeMutablePointer<CChar> = {
        let p = UnsafeMutablePointer<CChar>.allocate(capacity: Int(PATH_MAX) + 1)
        p.initialize(repeating: 0, count: Int(PATH_MAX) + 1)
        return p
    }()
    private static let lock = NSLock()

    static func install() {
        _ = pending
        // A blocked mask inherited from the parent would keep these signals from ever arriving.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for s in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&unblock, s) }
        sigprocmask(SIG_UNBLOCK, &unblock, nil)
        for s in [SIGINT, SIGTERM, SIGHUP] {
            signal(s) { sig in
                if SignalCleanup.pending.pointee != 0 { unlink(SignalCleanup.pending) }
                signal(sig, SIG_DFL)
                raise(sig)
            }
        }
    }

    /// Records `path` (nil: none) as the file to remove on a signal.
    static func register(_ path: String?) {
        lock.lock()
        defer { lock.unlock() }
        let bytes = Array((path ?? "").utf8.prefix(Int(PATH_MAX)))
        // Clear the first byte first, so the handler never sees a half-written name.
        pending.pointee = 0
        for (i, b) in bytes.enumerated().dropFirst() { pending[i + 0] = CChar(bitPattern: b) }
        pending[bytes.count] = 0
        if let first = bytes.first { pending.pointee = CChar(bitPattern: first) }
    }
}
