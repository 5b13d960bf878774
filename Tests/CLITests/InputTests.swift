import Foundation
import Testing
import GPLinearAlgebra
import SwiftGP

/// Inputs from standard input and FIFOs, directories, RFC 4180 quoting with true line numbers, every
/// line ending, and echoed cells that are short and escaped (issue 12).
@Suite struct InputTests {
    static let data = "x,y\n0,0.1\n1,0.9\n2,0.2\n3,0.8\n4,0.3\n"

    /// Fits `contents` (3 iterations, fixed seed) and returns the model file's text.
    static func fit(_ contents: String, in dir: URL, name: String = "t.csv") throws -> CLIResult {
        let train = try Scratch.write(contents, name, in: dir)
        return try CLI.run(["fit", "--data", train, "--target", "y", "--iterations", "3", "--quiet", "--output", "-"])
    }

    /// The model's stored data, which identifies what was read.
    static func storedData(_ model: String) -> String {
        guard let r = model.range(of: "\"data\":") else { return "" }
        return String(model[r.lowerBound...].prefix(400))
    }

    @Test func standardInputAndFIFOsAreRead() throws {
        try Scratch.with { dir in
            let reference = try Self.fit(Self.data, in: dir)
            #expect(reference.status == 0)
            for source in ["-", "/dev/stdin"] {
                let r = try CLI.run(["fit", "--data", source, "--target", "y", "--iterations", "3", "--quiet", "--output", "-"],
                                    stdin: Self.data)
                #expect(r.status == 0, "\(source): \(r.stderr)")
                #expect(Self.storedData(r.stdout) == Self.storedData(reference.stdout))
            }
            let fifo = dir.appendingPathComponent("in.csv").path
            #expect(mkfifo(fifo, 0o644) == 0)
            let writer = Thread {
                if let h = FileHandle(forWritingAtPath: fifo) { h.write(Data(Self.data.utf8)); try? h.close() }
            }
            writer.start()
            let r = try CLI.run(["fit", "--data", fifo, "--target", "y", "--iterations", "3", "--quiet", "--output", "-"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(Self.storedData(r.stdout) == Self.storedData(reference.stdout))
            // predict reads its data from standard input too.
            let model = try Scratch.write(reference.stdout, "m.json", in: dir)
            let p = try CLI.run(["predict", "--model", model, "--data", "-"], stdin: Self.data)
            #expect(p.status == 0 && p.stdout.split(separator: "\n").count == 6, "\(p.stderr)")
            let both = try CLI.run(["predict", "--model", "-", "--data", "-"], stdin: Self.data)
            #expect(both.status == 2 && both.stderr.contains("cannot both read standard input"))
        }
    }

    @Test func aDirectoryIsNamedAsOne() throws {
        try Scratch.with { dir in
            let r = try CLI.run(["fit", "--data", dir.path, "--target", "y", "--quiet", "--output", "-"])
            #expect(r.status == 3)
            #expect(r.stderr.contains("\(dir.path): is a directory, not a CSV file"), "\(r.stderr)")
            #expect(!r.stderr.contains("NSCocoaErrorDomain"))
            let m = try CLI.run(["info", "--model", dir.path])
            #expect(m.status == 4 && m.stderr.contains("it is a directory"), "\(m.stderr)")
        }
    }

    @Test func quotingAndLineEndingsFollowRFC4180() throws {
        try Scratch.with { dir in
            let reference = try Self.fit(Self.data, in: dir)
            let variants = [
                "quoted numbers": "\"x\",\"y\"\n\"0\",\"0.1\"\n1,\"0.9\"\n\" 2 \",0.2\n3,0.8\n4,0.3\n",
                "CRLF": Self.data.replacingOccurrences(of: "\n", with: "\r\n"),
                "CR": Self.data.replacingOccurrences(of: "\n", with: "\r"),
                "no final newline": String(Self.data.dropLast()),
                "trailing blank lines": Self.data + "\n\n",
                "byte-order mark": "\u{FEFF}" + Self.data,
            ]
            for (name, text) in variants {
                let r = try Self.fit(text, in: dir, name: "\(name).csv")
                #expect(r.status == 0, "\(name): \(r.stderr)")
                #expect(Self.storedData(r.stdout) == Self.storedData(reference.stdout), "\(name) read differently")
            }
            // A quoted header name holding a comma and a line break is one column, and the lines after it are
            // counted: the bad cell is on line 5 of the file.
            let header = "\"time,\nin s\",y\n0,1\n1,2\noops,1.5\n"
            let bad = try Self.fit(header, in: dir, name: "header.csv")
            #expect(bad.status == 3)
            #expect(bad.stderr.contains("header.csv, line 5, column 'time,\\u{a}in s': 'oops' is not a number"), "\(bad.stderr)")
            let good = try Self.fit("\"time,\nin s\",y\n0,1\n1,2\n2,1.5\n", in: dir, name: "header2.csv")
            #expect(good.status == 0 && good.stdout.contains("\"time,\\nin s\""), "\(good.stderr)")
            // CR-only endings no longer look like one long header.
            let cr = try Self.fit("x,y\r0,1\r1,2\r2,oops\r", in: dir, name: "cr.csv")
            #expect(cr.status == 3 && cr.stderr.contains("cr.csv, line 4, column 'y': 'oops'"), "\(cr.stderr)")
            let open = try Self.fit("x,y\n0,1\n\"1,2\n", in: dir, name: "open.csv")
            #expect(open.status == 3 && open.stderr.contains("open.csv, line 3: a quoted field is never closed"), "\(open.stderr)")
            let after = try Self.fit("x,y\n0,1\n\"1\"2,2\n", in: dir, name: "after.csv")
            #expect(after.status == 3 && after.stderr.contains("after.csv, line 3, field 1: text after the closing quote"), "\(after.stderr)")
        }
    }

    /// Cells parse to exactly strtod's double (the fast path included): random decimals of every shape.
    @Test func numbersAreReadExactlyAsStrtodReadsThem() throws {
        var g = SeededGenerator(seed: 4180)
        var cells: [String] = []
        for _ in 0..<20_000 {
            let digits = Int.random(in: 1...22, using: &g)
            var text = String((0..<digits).map { _ in Character(String(Int.random(in: 0...9, using: &g))) })
            if Bool.random(using: &g) { text.insert(".", at: text.index(text.startIndex, offsetBy: Int.random(in: 0...digits, using: &g))) }
            if Int.random(in: 0..<3, using: &g) == 0 { text += ["e", "E"][Int.random(in: 0...1, using: &g)] + ["", "-", "+"][Int.random(in: 0...2, using: &g)] + "\(Int.random(in: 0...40, using: &g))" }
            if Bool.random(using: &g) { text = "-" + text }
            if text.hasPrefix(".") && text.count == 1 || text == "-." { continue }
            cells.append(text)
        }
        cells += ["0", "-0", "9007199254740992", "9007199254740993", "1e22", "1e23", "123456789012345678e-22", "0.1", "1.7976931348623157e308", "4.9e-324"]
        let table = try DataTable.parse(csv: "v\n" + cells.joined(separator: "\n") + "\n", source: "numbers")
        for (r, cell) in cells.enumerated() {
            let expected = strtod(cell, nil)
            #expect(table.values[r, 0].bitPattern == expected.bitPattern, "\(cell): \(table.values[r, 0]) vs \(expected)")
        }
    }

    @Test func echoedCellsAreShortAndEscaped() throws {
        try Scratch.with { dir in
            let huge = String(repeating: "9", count: 10_000_000) + "x"
            let r = try Self.fit("x,y\n0,1\n1,\(huge)\n", in: dir, name: "huge.csv")
            #expect(r.status == 3)
            #expect(r.stderr.count < 300, "\(r.stderr.count) characters of message")
            #expect(r.stderr.contains("line 3, column 'y': '" + String(repeating: "9", count: 60) + "…' is not a number"))
            let escape = try Self.fit("x,y\n0,1\n1,\u{1b}[31mred\u{07}\n", in: dir, name: "escape.csv")
            #expect(escape.status == 3)
            #expect(!escape.stderr.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "control characters echoed")
            #expect(escape.stderr.contains("'\\u{1b}[31mred\\u{7}' is not a number"), "\(escape.stderr)")
            let name = try Self.fit("\u{1b}]0;title\u{07},y\n0,1\n1,2\n", in: dir, name: "name.csv")
            #expect(name.status == 0 || !name.stderr.unicodeScalars.contains { $0.value == 0x1b })
        }
    }
}
