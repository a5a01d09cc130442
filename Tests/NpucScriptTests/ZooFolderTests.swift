// Checks every `.alls` file under the folder named by NPUC_ALLS_DIR (e.g. a local copy of the
// model zoo's cfg/alls) with `ModelScript.check`, as `npuc script check` does: no file may have
// a syntax or argument error. Unsupported commands and missing NMS config files are reported
// (printed) but allowed. Skipped when the variable is not set.

import Foundation
import Testing
@testable import NpucScript

private let allsDirectory = ProcessInfo.processInfo.environment["NPUC_ALLS_DIR"]

@Suite struct ZooFolderTests {
    @Test(.enabled(if: allsDirectory != nil, "set NPUC_ALLS_DIR to a folder of .alls files to check them"))
    func everyScriptInTheFolderParses() throws {
        let root = try #require(allsDirectory)
        let files = (FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? [])
            .filter { $0.hasSuffix(".alls") }.sorted()
        #expect(!files.isEmpty, "no .alls files under \(root)")
        var environment = ProcessInfo.processInfo.environment
        environment["HMZ_DATA"] = environment["HMZ_DATA"] ?? "/nonexistent-hmz-data"
        for file in files {
            let path = root + "/" + file
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let options = ScriptCheckOptions(scriptDirectory: (path as NSString).deletingLastPathComponent,
                                             environment: environment)
            let report = ModelScript.check(text, fileName: file, options: options)
            let unsupported = report.diagnostics.filter { $0.kind == .unsupported }.map(\.message)
            let config = report.diagnostics.filter { $0.kind == .nmsConfig && $0.severity == .error }.map(\.message)
            print("\(file): \(report.script.statements.count) statements, \(report.script.commands.count) supported; "
                  + "refused: \(unsupported.count) \(unsupported); nms config errors: \(config)")
            let broken = report.diagnostics.filter { $0.kind == .syntax || $0.kind == .argument }
            #expect(broken.isEmpty, "\(file):\n\(broken.map(\.description).joined(separator: "\n"))")
        }
    }
}
