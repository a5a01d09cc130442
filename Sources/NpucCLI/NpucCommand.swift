// The `npuc` root command: the verbs follow the `hailo` CLI (parser, optimize, compiler, …).

import ArgumentParser
import Foundation

public struct NpucCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "npuc",
        abstract: "An open-source dataflow compiler for Hailo-class NPUs: parse → optimize → compile → run.",
        version: npucVersion,
        subcommands: [
            DemoCommand.self,
            ParserCommand.self,
            NodesCommand.self,
            InfoCommand.self,
        ]
    )

    public init() {}
}

/// The version printed by `npuc --version` and stored in every file npuc writes.
public let npucVersion = "0.1.0"

/// Prints an error the way every npuc command does — `npuc: error: <message>` on stderr — and
/// returns the failure exit code. Errors carry their own wording; this only formats them.
func reportFailure(_ error: Error) -> ExitCode {
    let message: String
    if let described = error as? CustomStringConvertible {
        message = described.description
    } else {
        message = String(describing: error)
    }
    FileHandle.standardError.write(Data("npuc: error: \(message)\n".utf8))
    return ExitCode.failure
}

/// Writes a line to stderr (progress and warnings; stdout stays for results).
func printToStderr(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
