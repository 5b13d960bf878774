import Testing
import SwiftGP

/// `swiftgp --version` and the completion scripts the README documents.
@Suite struct VersionTests {
    @Test func versionPrintsTheReleaseAndModelFormat() throws {
        let r = try CLI.run(["--version"])
        #expect(r.status == 0)
        #expect(r.stdout == "swiftgp \(SwiftGPVersion.string) (model file format \(ModelFile.currentVersion))\n")
    }

    @Test(arguments: ["bash", "zsh", "fish"])
    func completionScriptsAreGenerated(shell: String) throws {
        let r = try CLI.run(["--generate-completion-script", shell])
        #expect(r.status == 0)
        for command in ["fit", "predict", "evaluate", "info"] { #expect(r.stdout.contains(command), "\(shell): \(command)") }
        #expect(r.stdout.contains("noise-floor"), "\(shell): fit's options")
    }
}
