/// Splits CSV bytes into records and fields by RFC 4180: fields separated by commas, records by LF,
/// CRLF or a lone CR; a field in double quotes may hold commas, line breaks and `""` (a quote). Spaces
/// and tabs around unquoted fields and around the quotes are ignored. Fields are byte ranges into the
/// input (no copies) unless they contain `""`.
/// - Complexity: O(bytes), one pass.
struct CSVScanner {
    /// One field: `bytes[start..<end]`, or the scanner's `unescaped[escaped]` when the quoted text
    /// contained `""` (a plain value, so records are copied without reference counting).
    struct Field {
        var start: Int
        var end: Int
        var quoted: Bool
        /// An index into `unescaped`, or −1.
        var escaped: Int
        /// The 1-based line the field starts on.
        var line: Int
    }

    enum Failure: Error {
        case unterminatedQuote(line: Int)
        case textAfterQuote(line: Int, field: Int)
    }

    let bytes: UnsafeBufferPointer<UInt8>
    private(set) var position = 0
    /// The 1-based line the scanner is on.
    private(set) var line = 1
    /// The text of fields that contained `""`, for the current record.
    private(set) var unescaped: [[UInt8]] = []

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        // A UTF-8 byte-order mark is not part of the first name.
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { position = 3 }
    }

    var atEnd: Bool { position >= bytes.count }

    private static let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n"),
                       cr = UInt8(ascii: "\r"), space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")

    /// Consumes a line break at `position` (LF, CRLF or CR) if there is one.
    private mutating func lineBreak() -> Bool {
        guard position < bytes.count else { return false }
        if bytes[position] == Self.lf { position += 1; line += 1; return true }
        if bytes[position] == Self.cr {
            position += 1
            if position < bytes.count, bytes[position] == Self.lf { position += 1 }
            line += 1
            return true
        }
        return false
    }

    /// Reads the next record's fields into `fields` (cleared first). Call only when not `atEnd`.
    mutating func nextRecord(into fields: inout [Field]) throws(Failure) {
        fields.removeAll(keepingCapacity: true)
        if !unescaped.isEmpty { unescaped.removeAll(keepingCapacity: true) }
        while true {
            let field = try nextField(index: fields.count + 1)
            fields.append(field)
            if position < bytes.count, bytes[position] == Self.comma {
                position += 1
                continue
            }
            _ = lineBreak()
            return
        }
    }

    private mutating func skipBlanks() {
        while position < bytes.count, bytes[position] == Self.space || bytes[position] == Self.tab { position += 1 }
    }

    private mutating func nextField(index: Int) throws(Failure) -> Field {
        skipBlanks()
        let startLine = line
        guard position < bytes.count, bytes[position] == Self.quote else {
            let start = position
            while position < bytes.count {
                let b = bytes[position]
                if b == Self.comma || b == Self.lf || b == Self.cr { break }
                position += 1
            }
            var end = position
            while end > start, bytes[end - 1] == Self.space || bytes[end - 1] == Self.tab { end -= 1 }
            return Field(start: start, end: end, quoted: false, escaped: -1, line: startLine)
        }
        position += 1
        let start = position
        var unescaped: [UInt8]? = nil
        while true {
            guard position < bytes.count else { throw .unterminatedQuote(line: startLine) }
            let b = bytes[position]
            if b == Self.quote {
                if position + 1 < bytes.count, bytes[position + 1] == Self.quote {
                    if unescaped == nil { unescaped = Array(bytes[start..<position]) }
                    unescaped!.append(Self.quote)
                    position += 2
                    continue
                }
                break
            }
            if b == Self.lf || b == Self.cr {
                let from = position
                _ = lineBreak()
                unescaped?.append(contentsOf: bytes[from..<position])
                continue
            }
            unescaped?.append(b)
            position += 1
        }
        let end = position
        position += 1
        skipBlanks()
        if position < bytes.count, bytes[position] != Self.comma, bytes[position] != Self.lf, bytes[position] != Self.cr {
            throw .textAfterQuote(line: line, field: index)
        }
        var escaped = -1
        if let text = unescaped {
            escaped = self.unescaped.count
            self.unescaped.append(text)
        }
        return Field(start: start, end: end, quoted: true, escaped: escaped, line: startLine)
    }

    /// The field's text (bytes decoded as UTF-8, invalid sequences replaced).
    func text(_ f: Field) -> String {
        if f.escaped >= 0 { return String(decoding: unescaped[f.escaped], as: UTF8.self) }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[f.start..<f.end]), as: UTF8.self)
    }

    /// Whether the field's text is empty or blank.
    func isBlank(_ f: Field) -> Bool {
        if f.escaped >= 0 { return unescaped[f.escaped].allSatisfy { $0 == Self.space || $0 == Self.tab } }
        return (f.start..<f.end).allSatisfy { bytes[$0] == Self.space || bytes[$0] == Self.tab }
    }
}
