// Helpers shared by the NpucScript tests.

@testable import NpucScript

/// Parses `text`, failing the test with the rendered diagnostics when it has errors.
func parsed(_ text: String, ignoreUnsupported: Bool = false) throws -> ModelScript {
    try ModelScript.parse(text, fileName: "test.alls", options: ModelScriptOptions(ignoreUnsupported: ignoreUnsupported))
}

/// All diagnostics of `text`.
func diagnostics(_ text: String, ignoreUnsupported: Bool = false) -> [ScriptDiagnostic] {
    ModelScript.analyze(text, fileName: "test.alls", options: ModelScriptOptions(ignoreUnsupported: ignoreUnsupported)).1
}

func errors(_ text: String) -> [ScriptDiagnostic] {
    diagnostics(text).filter { $0.severity == .error }
}

/// The only command of a one-line script.
func single(_ text: String) throws -> ModelScriptCommand {
    let script = try parsed(text)
    guard script.statements.count == 1 else { throw TestFailure("expected 1 statement, got \(script.statements.count)") }
    return script.statements[0].command
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
