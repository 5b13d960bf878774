import ArgumentParser
import GPCommandOptions
import SwiftGP

/// `swiftgp convert`: writes a CSV file as a binary column file (`ColumnFile`), which `swiftgp-mpi fit`
/// reads shard by shard without reading the rest of the file.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a CSV file to a binary column file (.gpcol) for out-of-core, sharded reading.",
        discussion: """
            The column file holds the CSV's header names and its values as float64, row-major, behind a \
            checksummed header (docs/methods/distributed.md#the-column-file). A process of a distributed fit reads \
            only its rows: one seek and one contiguous read. The file is written atomically (a temporary file \
            renamed into place). The CSV is streamed (counted, then parsed a block of rows at a time), so a file of \
            any length converts in bounded memory. Prints the row and column counts on standard error unless --quiet.

            Example:
              swiftgp convert datasets/diabetes/diabetes_train.csv --output diabetes.gpcol

            \(ExitStatus.helpText)
            """)

    @Argument(help: ArgumentHelp("CSV with a header row; every cell a finite number (- reads standard input).", valueName: "DATA.csv"))
    var data: String

    @Option(help: ArgumentHelp("The column file to write (atomically).", valueName: "DATA.gpcol"))
    var output: String

    @Flag(help: "Print nothing on standard error unless there is an error.")
    var quiet = false

    func run() throws {
        let out = try AtomicFile(try OutputDestination(output, inputs: [data]))
        let (columns, rows) = try ColumnFile.convert(csv: data, to: out)
        try out.commit()
        if !quiet { Console.error("convert: \(rows) rows × \(columns.count) columns → \(out.destination.display)") }
    }
}
