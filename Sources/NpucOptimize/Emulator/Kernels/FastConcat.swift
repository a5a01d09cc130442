// The emulator's fast concatenation, bit-identical to ReferenceKernels.concat: every input
// integer q in [0, Q_in] maps to one output integer, so each input's map is tabulated once
// (ReferenceKernels.concatElement for every q of its domain) and the blocks are copied through
// the table. Inputs too small to repay a table, or with an integer outside their domain, take
// the formula directly.

import NpucGraph

enum FastConcat {
    static func concat(_ op: IntegerConcat, inputs: [IntValue], output: QuantizedValueInfo) -> [Int32] {
        let outer = output.shape[..<op.axis].reduce(1, *)
        let zOut = Int64(output.domain.zeroPoint), q = Int64(output.domain.maxQ)
        let blocks = inputs.map { $0.shape[op.axis...].reduce(1, *) }
        let tables: [[Int32]?] = inputs.enumerated().map { i, x in
            let size = Int(x.domain.maxQ) + 1
            guard x.count >= 4 * size else { return nil }
            return (0..<size).map { ReferenceKernels.concatElement(Int32($0), zero: x.zero, combination: op.combinations[i], outputZero: zOut, maxQ: q) }
        }
        var result = [Int32](repeating: 0, count: outer * blocks.reduce(0, +))
        result.withUnsafeMutableBufferPointer { out in
            var k = 0
            for o in 0..<outer {
                for (i, x) in inputs.enumerated() {
                    let from = o * blocks[i], block = blocks[i]
                    x.data.withUnsafeBufferPointer { data in
                        if let table = tables[i] {
                            table.withUnsafeBufferPointer { map in
                                for j in 0..<block {
                                    let v = data[from + j]
                                    out[k + j] = v >= 0 && Int(v) < map.count ? map[Int(v)]
                                        : ReferenceKernels.concatElement(v, zero: x.zero, combination: op.combinations[i], outputZero: zOut, maxQ: q)
                                }
                            }
                        } else {
                            for j in 0..<block {
                                out[k + j] = ReferenceKernels.concatElement(data[from + j], zero: x.zero, combination: op.combinations[i],
                                                                            outputZero: zOut, maxQ: q)
                            }
                        }
                    }
                    k += block
                }
            }
        }
        return result
    }
}
