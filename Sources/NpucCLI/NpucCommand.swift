// The `npuc` root command: the verbs follow the `hailo` CLI (parser, optimize, compiler, …).

import ArgumentParser
import Foundation
import NpucRunner

public struct NpucCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "npuc",
        abstract: "An open-source dataflow compiler for Hailo-class NPUs: parse → optimize → compile → run.",
        version: NpucVersion.current,
        subcommands: [
            DemoCommand.self,
            ParserCommand.self,
            NodesCommand.self,
            InfoCommand.self,
            CalibSetCommand.self,
            ScriptCommand.self,
            SupportedOpsCommand.self,
            OptimizeCommand.self,
            InferCommand.self,
            AnalyzeNoiseCommand.self,
        ]
    )

    public init() {}
}

/// Prints an error the way every npuc command does — `npuc: error: <message>` on stderr — and
/// returns the failure exit code. Errors carry their own wording; this only formats them.
func reportFailure(_ error: Error) -> ExitCode {
    let message = String(describing: error)
    FileHandle.standardError.write(Data("npuc: error: \(message)\n".utf8))
    return ExitCode.failure
}

/// Writes a line to stderr (progress and warnings; stdout stays for results).
func printToStderr(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
