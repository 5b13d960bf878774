/// SwiftGP's release version (semantic versioning; the git tag a package depends on with `from:`), printed by
/// `swiftgp --version`. Model files carry their own format version (`ModelFile.currentVersion`).
/// - Complexity: O(1).
public enum SwiftGPVersion {
    public static let string = "0.1.0"
}
