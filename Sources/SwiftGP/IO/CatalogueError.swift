/// Why a custom kernel or likelihood could not join its catalogue (`KernelCatalogue.register`,
/// `LikelihoodCatalogue.register`). - Complexity: O(1).
public enum CatalogueError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Another kind already has this name.
    case duplicateName(String)

    public var description: String {
        switch self {
        case let .duplicateName(n): return "a kind named '\(n)' is already in the catalogue"
        }
    }
}
