// Fuzzing the lexer, parser and typing with seeded random text made of the language's
// characters (and some others): nothing crashes, and every diagnostic points into the text.

import Testing
@testable import NpucScript

@Suite struct FuzzTests {
    @Test func randomTextNeverCrashesAndDiagnosticsPointIntoIt() {
        var rng = SeededGenerator(seed: 0xF0CC_5EED)
        let pieces = ["normalization", "quantization_param", "nms_postprocess", "(", ")", "[", "]", "{", "}", ",", "=", ":",
                      "\"", "'", "#", "\n", " ", "\t", "conv1", "*", "?", "-", "1", "0.5", "1e-", ".", "/", "$", "\\", ";",
                      "precision_mode", "a16_w16", "True", "é", "\r\n", "{conv[0-9]*}", "layers="]
        for _ in 0..<3000 {
            var text = ""
            for _ in 0..<Int.random(in: 0...40, using: &rng) { text += pieces[Int.random(in: 0..<pieces.count, using: &rng)] }
            let lines = SourceText(text, fileName: "f").lines
            let (_, found) = ModelScript.analyze(text, fileName: "f.alls")
            for diagnostic in found {
                guard let location = diagnostic.location else { continue }
                #expect(location.line >= 1 && location.line <= lines.count, "\(text.debugDescription): \(diagnostic)")
                #expect(location.column >= 1 && location.column <= lines[location.line - 1].unicodeScalars.count + 1,
                        "\(text.debugDescription): \(diagnostic)")
                _ = diagnostic.description
            }
        }
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let text = "quantization_param(" + String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000) + ")"
        let found = errors(text)
        #expect(found.map(\.message) == ["lists are nested more than 32 deep"])
    }
}
