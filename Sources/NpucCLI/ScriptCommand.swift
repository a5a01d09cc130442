// `npuc script check S.alls [--archive A.npar] [--json] [--ignore-unsupported]`: lints a model
// script before a long optimize. Prints the typed commands it yields (JSON with --json); with an
// archive, also resolves every layer selector (and the layers named by NMS configs) against that
// model's layers. Diagnostics go to stderr; the exit code is 1 when the script has errors.

import ArgumentParser
import Foundation
import NpucGraph
import NpucRunner
import NpucScript

struct ScriptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "script",
        abstract: "Work with model scripts (.alls).",
        subcommands: [ScriptCheckCommand.self]
    )
}

struct ScriptCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Parse and check a model script; with --archive, resolve its layer names against the model.",
        discussion: """
        Every error of the script is reported at once, as file:line:column with the line and a caret.
        Commands of the Dataflow Compiler that npuc does not implement are refused by name unless
        --ignore-unsupported is given (then they are warnings and skipped). NMS config files are read
        relative to the script's folder; $VARIABLES in their paths come from the environment.
        See docs/MODEL_SCRIPT.md for the language and every command.
        """
    )

    @Argument(help: "The model script (.alls).")
    var script: String

    @Option(help: "An npuc archive (.npar) whose layers the script's layer names must resolve to.")
    var archive: String?

    @Flag(help: "Print the typed commands and diagnostics as JSON.")
    var json = false

    @Flag(help: "Warn about (and skip) commands and arguments npuc does not implement instead of failing.")
    var ignoreUnsupported = false

    func run() throws {
        let text: String
        do {
            text = try String(contentsOfFile: script, encoding: .utf8)
        } catch {
            throw reportFailure(ScriptFileError(message: "\(script): cannot read the script (\(error.localizedDescription))"))
        }
        var options = ScriptCheckOptions(script: ModelScriptOptions(ignoreUnsupported: ignoreUnsupported),
                                         scriptDirectory: (script as NSString).deletingLastPathComponent,
                                         environment: ProcessInfo.processInfo.environment)
        if options.scriptDirectory?.isEmpty ?? true { options.scriptDirectory = FileManager.default.currentDirectoryPath }
        if let archive {
            do {
                let runner = try ClientRunner(archiveAt: URL(fileURLWithPath: archive))
                if let loaded = runner.archive {
                    options.catalog = LayerCatalog(graph: loaded.graph)
                    options.detectionHead = loaded.head
                }
            } catch {
                throw reportFailure(error)
            }
        }
        let report = ModelScript.check(text, fileName: script, options: options)
        for diagnostic in report.diagnostics { printToStderr(diagnostic.description) }
        if json {
            do {
                print(try report.json())
            } catch {
                throw reportFailure(error)
            }
        } else if !report.hasErrors {
            print(listing(report))
        }
        if report.hasErrors {
            let count = report.diagnostics.filter { $0.severity == .error }.count
            printToStderr("npuc: error: \(count) error\(count == 1 ? "" : "s") in \(script)")
            throw ExitCode.failure
        }
    }

    /// One line per statement (canonical text), with the layers each selector resolved to.
    private func listing(_ report: ScriptCheckReport) -> String {
        let statements = report.script.statements
        let applied = statements.filter { $0.command.isSupported }.count
        var lines = ["\(script): \(statements.count) statement\(statements.count == 1 ? "" : "s"), "
                     + "\(applied) applied by npuc, \(statements.count - applied) skipped"]
        for (index, statement) in statements.enumerated() {
            let line = statement.location.map { String(format: "%4d", $0.line) } ?? "    "
            let marker = statement.command.isSupported ? "  " : "- "
            lines.append("\(line) \(marker)\(ScriptPrinter.line(statement))")
            for resolved in report.resolvedLayers where resolved.statement == index {
                lines.append("         \(resolved.role) -> \(resolved.layers.isEmpty ? "(none)" : resolved.layers.joined(separator: ", "))")
            }
        }
        if report.script.statements.contains(where: { !$0.command.isSupported }) {
            lines.append("(lines marked - are not supported by npuc and are skipped)")
        }
        return lines.joined(separator: "\n")
    }
}

private struct ScriptFileError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
