// Progress of long commands on stderr: on a terminal one line rewritten in place (a few times a
// second); otherwise a line when a stage starts and about ten more through a counted stage, so
// logs stay readable.

import Foundation
import NpucOptimize

final class ProgressLine: @unchecked Sendable {
    let enabled: Bool
    let terminal = isatty(2) != 0
    private var last = DispatchTime.now()
    private var shown = false
    private var stage = ""

    init(enabled: Bool) { self.enabled = enabled }

    func update(stage newName: String, done: Int, total: Int) {
        guard enabled else { return }
        let now = DispatchTime.now()
        let newStage = newName != stage
        stage = newName
        let count = total > 1 ? " \(done)/\(total)" : ""
        if !terminal {
            let step = max(1, (total + 9) / 10)
            if newStage {
                FileHandle.standardError.write(Data("\(newName)…\n".utf8))
            }
            if total > 1, done > 0, done % step == 0 || done == total {
                FileHandle.standardError.write(Data("\(newName)\(count)\n".utf8))
            }
            return
        }
        guard newStage || now.uptimeNanoseconds - last.uptimeNanoseconds > 200_000_000 || done == total else { return }
        last = now
        FileHandle.standardError.write(Data("\r\u{1B}[K\(newName)\(count)".utf8))
        shown = true
    }

    func update(_ p: OptimizationProgress) { update(stage: p.stage, done: p.done, total: p.total) }

    func finish() {
        if enabled, terminal, shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
