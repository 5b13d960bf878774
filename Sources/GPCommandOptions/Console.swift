import Foundation
import SwiftGP

/// Writing to standard error (diagnostics, progress) and standard output (results), for `swiftgp` and
/// `swiftgp-mpi`.
public enum Console {
    /// Writes a line to standard error; a failing standard error is ignored (there is nowhere to report it).
    public static func error(_ text: String) {
        var line = text.hasSuffix("\n") ? text : text + "\n"
        line.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = write(STDERR_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return }
                offset += n
            }
        }
    }

    /// Writes `text` to standard output. - Throws: `OutputError.standardOutput` when it cannot be written.
    public static func output(_ text: String) throws {
        let out = try AtomicFile(.standardOutput)
        out.write(text)
        try out.commit()
    }
}
