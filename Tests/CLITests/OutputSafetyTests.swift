import Foundation
import Testing

/// Outputs never destroy data: an output that is an input is refused before any work, `-` is standard
/// output, links and devices are never renamed over, write errors exit 6, checks run before training and
/// temporary files never survive (issue 12).
@Suite struct OutputSafetyTests {
    static let data = "x,y\n0,0.1\n1,0.9\n2,0.2\n3,0.8\n4,0.3\n"

    /// The files in `dir` and their bytes.
    static func snapshot(_ dir: URL) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
            let path = dir.appendingPathComponent(name).path
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue {
                out[name] = FileManager.default.contents(atPath: path) ?? Data()
            }
        }
        return out
    }

    static func fitModel(_ train: String, in dir: URL, _ extra: [String] = []) throws -> String {
        let model = dir.appendingPathComponent("m.json").path
        let r = try CLI.run(["fit", "--data", train, "--target", "y", "--iterations", "3", "--quiet", "--output", model] + extra)
        #expect(r.status == 0, "\(r.stderr)")
        return model
    }

    @Test func anOutputThatIsAnInputIsRefusedBeforeAnyWork() throws {
        try Scratch.with { dir in
            let train = try Scratch.write(Self.data, "t.csv", in: dir)
            let model = try Self.fitModel(train, in: dir)
            let link = dir.appendingPathComponent("alias.csv").path
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: train)
            let before = try Self.snapshot(dir)
            for (args, input) in [(["fit", "--data", train, "--target", "y", "--output", train], train),
                                  (["fit", "--data", train, "--target", "y", "--output", link], train),
                                  (["predict", "--model", model, "--data", train, "--output", model], model),
                                  (["predict", "--model", model, "--data", train, "--output", train], train)] {
                let r = try CLI.run(args)
                #expect(r.status == 6, "\(args): \(r.stderr)")
                #expect(r.stderr.contains("it is the input file"), "\(r.stderr)")
                #expect(!r.stderr.contains("fit: run"), "training started: \(r.stderr)")
                #expect(try Self.snapshot(dir) == before, "\(args) changed a file")
            }
        }
    }

    @Test func dashIsStandardOutput() throws {
        try Scratch.with { dir in
            let train = try Scratch.write(Self.data, "t.csv", in: dir)
            let fit = try CLI.run(["fit", "--data", train, "--target", "y", "--iterations", "3", "--quiet", "--output", "-"])
            #expect(fit.status == 0, "\(fit.stderr)")
            #expect(fit.stdout.hasPrefix("{") && fit.stdout.contains("\"swiftgp-model\""))
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("-").path))
            let model = try Scratch.write(fit.stdout, "m.json", in: dir)
            let predict = try CLI.run(["predict", "--model", model, "--data", train, "--output", "-"])
            #expect(predict.status == 0 && predict.stdout.hasPrefix("mean,variance,lower95,upper95\n"), "\(predict.stderr)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["m.json", "t.csv"])
        }
    }

    @Test func symbolicLinksAreFollowedNeverReplaced() throws {
        try Scratch.with { dir in
            let train = try Scratch.write(Self.data, "t.csv", in: dir)
            let target = dir.appendingPathComponent("real.json").path
            let link = dir.appendingPathComponent("link.json").path
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "real.json")   // dangling, relative
            let r = try CLI.run(["fit", "--data", train, "--target", "y", "--iterations", "3", "--quiet", "--output", link])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "real.json")
            #expect(FileManager.default.contents(atPath: target).map { String(decoding: $0, as: UTF8.self).contains("swiftgp-model") } == true)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["link.json", "real.json", "t.csv"])
        }
    }

    @Test func devicesAndFIFOsAreWrittenInPlace() throws {
        try Scratch.with { dir in
            let train = try Scratch.write(Self.data, "t.csv", in: dir)
            // /dev/null: a character device, written and left a device.
            let r = try CLI.run(["fit", "--data", train, "--target", "y", "--iterations", "2", "--quiet", "--output", "/dev/null"])
            #expect(r.status == 0, "\(r.stderr)")
            var info = stat()
            #expect(stat("/dev/null", &info) == 0 && info.st_mode & S_IFMT == S_IFCHR)
            // A node made with mknod (needs root): stays a node.
            let node = dir.appendingPathComponent("node").path
            if mknod(node, S_IFCHR | 0o666, dev_t(1 << 8 | 3)) == 0 {
                let n = try CLI.run(["fit", "--data", train, "--target", "y", "--iterations", "2", "--quiet", "--output", node])
                #expect(n.status == 0, "\(n.stderr)")
                #expect(lstat(node, &info) == 0 && info.st_mode & S_IFMT == S_IFCHR, "the device node was replaced")
            }
            // A FIFO: its reader receives the model.
            let fifo = dir.appendingPathComponent("pipe").path
            #expect(mkfifo(fifo, 0o644) == 0)
            let reader = Process()
            reader.executableURL = URL(fileURLWithPath: "/bin/cat")
            reader.arguments = [fifo]
            let received = dir.appendingPathComponent("received").path
            _ = FileManager.default.createFile(atPath: received, contents: nil)
            reader.standardOutput = FileHandle(forWritingAtPath: received)
            try reader.run()
            let f = try CLI.run(["fit", "--data", train, "--target", "y", "--iterations", "2", "--quiet", "--output", fifo])
            reader.waitUntilExit()
            #expect(f.status == 0, "\(f.stderr)")
            #expect(lstat(fifo, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO)
            #expect(String(decoding: FileManager.default.contents(atPath: received) ?? Data(), as: UTF8.self).contains("swiftgp-model"))
            // /dev/stdout names the command's standard output.
            let s = try CLI.run(["fit", "--data", train, "--target", "y", "--iterations", "2", "--quiet", "--output", "/dev/stdout"])
            #expect(s.status == 0 && s.stdout.contains("swiftgp-model"), "\(s.stderr)")
            #expect(lstat("/dev/stdout", &info) == 0 && info.st_mode & S_IFMT == S_IFLNK, "/dev/stdout is no longer a link")
        }
    }

    @Test func writeErrorsOnStandardOutputExitSix() throws {
        try Scratch.with { dir in
            let train = try Scratch.write(Self.data, "t.csv", in: dir)
            let model = try Self.fitModel(train, in: dir)
            for args in [["predict", "--model", model, "--data", train], ["evaluate", "--model", model, "--data", train],
                         ["info", "--model", model],
                         ["fit", "--data", train, "--target", "y", "--iterations", "2", "--quiet", "--output", "-"]] {
                let r = try CLI.run(args, stdout: "/dev/full")
                #expect(r.status == 6, "\(args): exit \(r.status), \(r.stderr)")
                #expect(r.stderr.contains("cannot write to standard output (No space left on device)"), "\(r.stderr)")
            }
        }
    }

    @Test func everyOutputCheckRunsBeforeTraining() throws {
        try Scratch.with { dir in
            let train = try Scratch.write(Self.data, "t.csv", in: dir)
            let long = dir.appendingPathComponent(String(repeating: "a", count: 256)).path
            let missing = dir.appendingPathComponent("no/such/m.json").path
            for (output, message) in [("", "the output name is empty"), (long, "longer than 255 bytes"),
                                      (dir.path, "it is a directory"), (missing, "does not exist")] {
                let r = try CLI.run(["fit", "--data", train, "--target", "y", "--output", output])
                #expect(r.status == 6, "\(output): \(r.stderr)")
                #expect(r.stderr.contains(message), "\(r.stderr)")
                #expect(!r.stderr.contains("fit: reading") && !r.stderr.contains("iteration"), "work began: \(r.stderr)")
                #expect(r.stderr.count < 400, "the echoed name is not shortened: \(r.stderr)")
            }
            // A legal 250-byte name is written: the temporary name is short.
            let legal = dir.appendingPathComponent(String(repeating: "b", count: 250)).path
            let ok = try CLI.run(["fit", "--data", train, "--target", "y", "--iterations", "2", "--quiet", "--output", legal])
            #expect(ok.status == 0, "\(ok.stderr)")
            #expect(FileManager.default.fileExists(atPath: legal))
        }
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func aSignalRemovesTheTemporaryFile(signal: Int32) throws {
        try Scratch.with { dir in
            var rows = "x,y\n"
            for i in 0..<400 { rows += "\(Double(i) / 40),\(sin(Double(i) / 7) + Double(i % 13) / 50)\n" }
            let train = try Scratch.write(rows, "t.csv", in: dir)
            let output = dir.appendingPathComponent("m.json").path
            try Data("old\n".utf8).write(to: URL(fileURLWithPath: output))
            let running = try CLI.start(["fit", "--data", train, "--target", "y", "--kernel", "matern52+rbf*periodic",
                                         "--iterations", "100000", "--restarts", "50", "--quiet", "--output", output])
            // The temporary file exists while the fit runs; wait for it, then interrupt.
            let deadline = Date().addingTimeInterval(20)
            func temporaries() throws -> [String] {
                try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".swiftgp-") }
            }
            while try temporaries().isEmpty && Date() < deadline && running.process.isRunning { usleep(10_000) }
            #expect(try !temporaries().isEmpty, "no temporary file appeared")
            kill(running.process.processIdentifier, signal)
            running.process.waitUntilExit()
            let r = try running.result()
            #expect(r.status == signal && running.process.terminationReason == .uncaughtSignal, "exit \(r.status): \(r.stderr)")
            #expect(try temporaries().isEmpty, "a temporary file survived the signal")
            #expect(FileManager.default.contents(atPath: output) == Data("old\n".utf8))
        }
    }
}
