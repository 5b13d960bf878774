import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// One parsed XML element: name, attributes and its direct text content.
struct ParsedElement {
    var name: String
    var attributes: [String: String]
    var text: String
    /// Index of the enclosing element in `ParsedSVG.elements` (nil for the root).
    var parent: Int?
}

/// A parsed SVG document (flat list of elements in document order) or the parser's error.
struct ParsedSVG {
    var elements: [ParsedElement]
    var error: Error?

    var root: ParsedElement? { elements.first }

    func elements(named name: String, class className: String? = nil) -> [ParsedElement] {
        elements.filter { $0.name == name && (className == nil || $0.attributes["class"] == className) }
    }

    var texts: [String] { elements(named: "text").map(\.text) }

    /// Direct children of `elements[index]`.
    func children(of index: Int) -> [ParsedElement] {
        elements.filter { $0.parent == index }
    }
}

private final class Collector: NSObject, XMLParserDelegate {
    var elements: [ParsedElement] = []
    var stack: [Int] = []

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        let parent = stack.last
        stack.append(elements.count)
        elements.append(ParsedElement(name: elementName, attributes: attributeDict, text: "", parent: parent))
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        _ = stack.popLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let top = stack.last { elements[top].text += string }
    }
}

/// Parses `svg` with Foundation's XMLParser; `error` is non-nil if it is not well-formed XML.
func parseSVG(_ svg: String) -> ParsedSVG {
    let parser = XMLParser(data: Data(svg.utf8))
    let collector = Collector()
    parser.delegate = collector
    let ok = parser.parse()
    return ParsedSVG(elements: collector.elements, error: ok ? nil : (parser.parserError ?? CocoaError(.fileReadCorruptFile)))
}

/// The numbers in an SVG path `d` string, grouped by subpath (each "M" starts a new group).
func subpaths(_ d: String) -> [[Double]] {
    var groups: [[Double]] = []
    var number = ""
    func flush() {
        if !number.isEmpty, let v = Double(number), !groups.isEmpty { groups[groups.count - 1].append(v) }
        number = ""
    }
    for ch in d {
        switch ch {
        case "M":
            flush()
            groups.append([])
        case "0"..."9", ".":
            number.append(ch)
        case "-":
            flush()
            number = "-"
        default:
            flush()
        }
    }
    flush()
    return groups
}

/// A fresh empty directory under the system temporary directory.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("gpplot-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
