import Foundation
import GPLinearAlgebra

extension ColumnFile {
    /// Writes the CSV file `path` as a column file to `out` (commit it to make the file appear), streaming: one
    /// pass counts the records (`CSVRecords`), a second parses them `block` at a time behind the header and writes
    /// their rows, so memory is O(block · columns) for a file of any length. Every cell is checked as
    /// `DataTable.read` checks it, with the file's own line numbers in errors. Standard input, FIFOs and devices,
    /// which cannot be read twice, are read whole.
    /// - Returns: the table's column names and row count.
    /// - Throws: `DataError` naming file, line and column.
    /// - Complexity: O(bytes) time, O(block · columns) memory.
    @discardableResult
    public static func convert(csv path: String, to out: AtomicFile, block: Int = 1 << 16) throws -> (columns: [String], rows: Int) {
        let regular = path != "-" && (try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType) == .typeRegular
        var count = CSVRecords()
        if regular { try count.scan(path) { _, _, _ in } }
        guard regular, count.count > 0 else {
            // Not re-readable, or no data rows: DataTable reads it whole and names any problem.
            let table = try DataTable.read(csv: path)
            write(table, to: out)
            return (table.columns, table.rowCount)
        }
        var columns: [String]? = nil
        var pending: [UInt8] = [], pendingRows = 0, firstLine = 2
        func flush() throws {
            guard pendingRows > 0 else { return }
            let table: DataTable
            do { table = try DataTable.parse(csv: count.header + pending, source: path) } catch let error as DataError {
                throw error.shiftingLines(by: firstLine - 2)
            }
            if columns == nil {
                columns = table.columns
                out.write(header(columns: table.columns, rows: count.count))
            }
            writeRows(table, to: out)
            pending.removeAll(keepingCapacity: true)
            pendingRows = 0
        }
        var records = CSVRecords()
        try records.scan(path) { _, line, record in
            if pendingRows == 0 { firstLine = line }
            pending.append(contentsOf: record)
            pendingRows += 1
            if pendingRows == max(1, block) { try flush() }
        }
        try flush()
        guard records.count == count.count, let columns else {
            throw DataError.unreadable(path: path, reason: "the file changed while it was converted")
        }
        return (columns, count.count)
    }
}
