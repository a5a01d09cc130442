// `npuc supported-ops`: prints the supported-operations document (docs/SUPPORTED_OPS.md).

import ArgumentParser
import NpucRunner

struct SupportedOpsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "supported-ops",
        abstract: "Print the NPU's supported layers and ONNX ops with their constraints (Markdown)."
    )

    func run() throws {
        print(SupportedOpsDocument.markdown(), terminator: "")
    }
}
