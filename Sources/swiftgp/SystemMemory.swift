import Foundation

/// The memory a new allocation can still get: the kernel's MemAvailable estimate, capped by the address-
/// space limit (`ulimit -v`) minus what the process already maps.
enum SystemMemory {
    static func available() -> Double {
        var bytes = Double.infinity
        if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemAvailable:") }),
           let kb = Double(line.split(separator: " ").dropFirst().first ?? "") {
            bytes = kb * 1024
        }
        var limit = rlimit()
        if getrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max {
            var mapped = 0.0
            if let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
               let pages = Double(statm.split(separator: " ").first ?? "") {
                mapped = pages * Double(sysconf(Int32(_SC_PAGESIZE)))
            }
            bytes = min(bytes, Double(limit.rlim_cur) - mapped)
        }
        return bytes
    }

    /// `bytes` in short form: 3.2 GB, 410 MB.
    static func format(_ bytes: Double) -> String {
        let units = ["B", "KB", "MB", "GB", "TB", "PB"]
        var v = bytes, i = 0
        while v >= 1000 && i < units.count - 1 { v /= 1000; i += 1 }
        return String(format: v < 10 && i > 0 ? "%.1f %@" : "%.0f %@", v, units[i])
    }
}
