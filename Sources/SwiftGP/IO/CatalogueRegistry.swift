import Synchronization

/// An entry of a catalogue, found by its name.
public protocol CatalogueEntry: Sendable {
    var name: String { get }
}

/// The entries of a catalogue (`KernelCatalogue`, `LikelihoodCatalogue`): the built-in ones, then those
/// registered at run time, names unique. Safe from any thread.
/// - Complexity: O(entries) per lookup or registration.
final class CatalogueRegistry<Entry: CatalogueEntry>: Sendable {
    let builtIn: [Entry]
    private let registered = Mutex<[Entry]>([])

    init(_ builtIn: [Entry]) { self.builtIn = builtIn }

    /// The built-in entries, then the registered ones.
    var entries: [Entry] { builtIn + registered.withLock { $0 } }

    /// - Throws: `CatalogueError.duplicateName` when the name is taken.
    func register(_ entry: Entry) throws {
        try registered.withLock { list in
            guard !(builtIn + list).contains(where: { $0.name == entry.name }) else {
                throw CatalogueError.duplicateName(entry.name)
            }
            list.append(entry)
        }
    }
}
