// Integer add, sub, mul, scale-by-constant, max and min against the float-then-round oracle, with
// NumPy broadcasting, constant operands on either side and fused lookup epilogues. Exact equality
// where every factor is a power of two (the linear combination's I = M · 2^P is then exact);
// otherwise |difference| ≤ 1 (see ConvolutionOracleTests for why).

import Foundation
import NpucGraph
import NpucOptimize
import Testing

@Suite("Integer elementwise layers vs the float-then-round oracle")
struct ElementwiseOracleTests {
    static let shapePairs: [([Int], [Int])] = [
        ([2, 3, 4, 5], [2, 3, 4, 5]),
        ([2, 3, 4, 5], [1, 3, 1, 1]),
        ([2, 3, 4, 5], [5]),
        ([1, 3, 1, 5], [2, 1, 4, 1]),
        ([3, 1], [1, 4]),
    ]

    /// Real value of each output element of a broadcast binary op.
    static func broadcast(_ a: [Double], _ sa: [Int], _ b: [Double], _ sb: [Int], _ f: (Double, Double) -> Double) -> ([Double], [Int]) {
        let shape = ShapeArithmetic.broadcast(sa, sb)!
        let values = allIndices(shape).map { index -> Double in
            func pick(_ s: [Int]) -> Int {
                let offset = shape.count - s.count
                return flatIndex(s.indices.map { s[$0] == 1 ? 0 : index[$0 + offset] }, s)
            }
            return f(a[pick(sa)], b[pick(sb)])
        }
        return (values, shape)
    }

    enum Side { case none, first, second }

    @Test("add and sub: two tensors or a constant on either side, broadcasting, exact and arbitrary scales",
          arguments: [Elementwise.Function.add, .sub], [Side.none, .first, .second])
    func addSub(_ function: Elementwise.Function, _ constantSide: Side) throws {
        var rng = IntegerTestRandom(seed: 21)
        for (pair, (sa, sb)) in Self.shapePairs.enumerated() {
            for exactCase in [true, false] {
                let da = exactCase ? pow2Domain(exponent: -4, zeroPoint: pair % 2 == 0 ? 0 : 255) : QuantDomain(bits: 8, scale: 0.0173, zeroPoint: 90)
                let db = exactCase ? pow2Domain(exponent: -3, zeroPoint: 128) : QuantDomain(bits: 8, scale: 0.0311, zeroPoint: 255)
                let od = exactCase ? pow2Domain(exponent: -3, zeroPoint: 255 - 50 * pair) : QuantDomain(bits: 8, scale: 0.04, zeroPoint: 128)
                let a = randomQ(sa.reduce(1, *), da, &rng), b = randomQ(sb.reduce(1, *), db, &rng)
                let sign: Double = function == .sub ? -1 : 1
                let combination = try LinearCombination(encoding: [da.scale / od.scale, sign * db.scale / od.scale])
                var inputs: [(String, [Int], QuantDomain)] = []
                var feeds = [String: Tensor]()
                var operands = [IntegerOperand]()
                for (k, (shape, values, domain)) in [(sa, a, da), (sb, b, db)].enumerated() {
                    if (constantSide == .first && k == 0) || (constantSide == .second && k == 1) {
                        operands.append(.constant(IntegerConstant(domain: domain, values: quantizedTensor(shape, values, domain))))
                    } else {
                        operands.append(.input(inputs.count))
                        inputs.append(("x\(k)", shape, domain))
                        feeds["x\(k)"] = quantizedTensor(shape, values, domain)
                    }
                }
                let (y, shape) = Self.broadcast(a.map(da.dequantize), sa, b.map(db.dequantize), sb) { $0 + sign * $1 }
                let op = IntegerAddSub(function: function, operands: operands, combination: combination,
                                       epilogue: .requantize(RequantizeEpilogue(multipliers: [.identity], lo: 0, hi: 255)))
                let network = oneLayerNetwork(.addSub(op), inputs: inputs, output: (shape, od))
                let got = try runEveryWay(network, feeds)["y0"] ?? []
                expectClose(got, y.map { oracleQuantize($0, od) }, tolerance: exactCase ? 0 : 1,
                            "\(function) \(sa) \(sb) constant \(constantSide) exact \(exactCase)")
            }
        }
    }

    @Test("add with a fused lookup (SiLU) and a fused ReLU")
    func addWithActivation() throws {
        var rng = IntegerTestRandom(seed: 22)
        let da = pow2Domain(exponent: -4, zeroPoint: 100), db = pow2Domain(exponent: -5, zeroPoint: 30)
        let od = pow2Domain(exponent: -4, zeroPoint: 20)
        let shape = [1, 4, 6, 6]
        let a = randomQ(144, da, &rng), b = randomQ(144, db, &rng)
        let feeds = ["a": quantizedTensor(shape, a, da), "b": quantizedTensor(shape, b, db)]
        let y = (0..<144).map { da.dequantize(a[$0]) + db.dequantize(b[$0]) }
        // Lookup: the sum rounded into the pre-activation domain, then the table.
        let sPre = 0x1p-10
        let silu = Activation(.silu)
        let lookup = IntegerAddSub(function: .add, operands: [.input(0), .input(1)],
                                   combination: try LinearCombination(encoding: [da.scale / sPre, db.scale / sPre]),
                                   epilogue: .lookup(LookupEpilogue(multipliers: [.identity],
                                                                    table: LookupTables.epilogueTable(silu, preActivationScale: sPre, output: od))))
        let got = try runEveryWay(oneLayerNetwork(.addSub(lookup), inputs: [("a", shape, da), ("b", shape, db)], output: (shape, od)), feeds)["y0"] ?? []
        let twoStep = y.map { v -> Int in
            let p = min(max(halfUp(v / sPre), -32768), 32767)
            return min(max(od.zeroPoint + roundHalfAway(silu.applyDouble(sPre * Double(p)) / od.scale), 0), 255)
        }
        expectClose(got, twoStep, tolerance: 0, "add + SiLU (lookup) vs the two-step oracle")
        expectClose(got, y.map { min(max(od.zeroPoint + roundHalfAway(silu.applyDouble($0) / od.scale), 0), 255) }, tolerance: 1,
                    "add + SiLU vs SiLU of the exact sum")
        // ReLU: bounds [Z, Q].
        let relu = IntegerAddSub(function: .add, operands: [.input(0), .input(1)],
                                 combination: try LinearCombination(encoding: [da.scale / od.scale, db.scale / od.scale]),
                                 epilogue: .requantize(RequantizeEpilogue(multipliers: [.identity], lo: od.zeroPoint, hi: 255)))
        let gotRelu = try runEveryWay(oneLayerNetwork(.addSub(relu), inputs: [("a", shape, da), ("b", shape, db)], output: (shape, od)), feeds)["y0"] ?? []
        expectClose(gotRelu, y.map { oracleQuantize(max($0, 0), od) }, tolerance: 0, "add + ReLU")
    }

    @Test("mul: two tensors with broadcasting, or a tensor and a quantized constant tensor")
    func mul() throws {
        var rng = IntegerTestRandom(seed: 23)
        for (sa, sb) in Self.shapePairs {
            for (exactCase, constantB) in [(true, false), (false, false), (true, true), (false, true)] {
                let da = exactCase ? pow2Domain(exponent: -4, zeroPoint: 0) : QuantDomain(bits: 8, scale: 0.021, zeroPoint: 17)
                let db = exactCase ? pow2Domain(exponent: -5, zeroPoint: 255) : QuantDomain(bits: 8, scale: 0.013, zeroPoint: 140)
                let od = exactCase ? pow2Domain(exponent: -2, zeroPoint: 128) : QuantDomain(bits: 8, scale: 0.3, zeroPoint: 128)
                let a = randomQ(sa.reduce(1, *), da, &rng), b = randomQ(sb.reduce(1, *), db, &rng)
                let m = try Multiplier(encoding: da.scale * db.scale / od.scale)
                let operands: [IntegerOperand] = constantB
                    ? [.input(0), .constant(IntegerConstant(domain: db, values: quantizedTensor(sb, b, db)))] : [.input(0), .input(1)]
                let (y, shape) = Self.broadcast(a.map(da.dequantize), sa, b.map(db.dequantize), sb, *)
                let op = IntegerMul(operands: operands, epilogue: .requantize(RequantizeEpilogue(multipliers: [m], lo: 0, hi: 255)))
                var inputs = [("a", sa, da)], feeds = ["a": quantizedTensor(sa, a, da)]
                if !constantB {
                    inputs.append(("b", sb, db))
                    feeds["b"] = quantizedTensor(sb, b, db)
                }
                let got = try runEveryWay(oneLayerNetwork(.mul(op), inputs: inputs, output: (shape, od)), feeds)["y0"] ?? []
                expectClose(got, y.map { oracleQuantize($0, od) }, tolerance: exactCase ? 0 : 1, "mul \(sa) \(sb) exact \(exactCase) constant \(constantB)")
            }
        }
    }

    @Test("scale by a constant: negative, above 1 and tiny factors", arguments: [-0.5, 2.0, 0x1p-22, 0.3, -7.7])
    func scale(_ k: Double) throws {
        var rng = IntegerTestRandom(seed: 24)
        let exactCase = k.significand == 1
        let d = pow2Domain(exponent: -4, zeroPoint: 128), od = pow2Domain(exponent: k.magnitude < 1e-3 ? -24 : -3, zeroPoint: 128)
        let shape = [2, 3, 4, 4]
        let x = randomQ(96, d, &rng)
        let op = IntegerScale(epilogue: .requantize(RequantizeEpilogue(multipliers: [try Multiplier(encoding: d.scale * k / od.scale)], lo: 0, hi: 255)))
        let got = try runEveryWay(oneLayerNetwork(.scale(op), inputs: [("x", shape, d)], output: (shape, od)), ["x": quantizedTensor(shape, x, d)])["y0"] ?? []
        expectClose(got, x.map { oracleQuantize(d.dequantize($0) * k, od) }, tolerance: exactCase ? 0 : 1, "scale by \(k)")
    }

    @Test("max and min take both operands to the output domain first", arguments: [Elementwise.Function.max, .min])
    func maxMin(_ function: Elementwise.Function) throws {
        var rng = IntegerTestRandom(seed: 25)
        for (sa, sb) in Self.shapePairs {
            for exactCase in [true, false] {
                let da = exactCase ? pow2Domain(exponent: -3, zeroPoint: 200) : QuantDomain(bits: 8, scale: 0.017, zeroPoint: 200)
                let db = exactCase ? pow2Domain(exponent: -5, zeroPoint: 10) : QuantDomain(bits: 8, scale: 0.007, zeroPoint: 10)
                let od = exactCase ? pow2Domain(exponent: -4, zeroPoint: 128) : QuantDomain(bits: 8, scale: 0.011, zeroPoint: 128)
                let a = randomQ(sa.reduce(1, *), da, &rng), b = randomQ(sb.reduce(1, *), db, &rng)
                let op = IntegerMaxMin(function: function, operands: [.input(0), .input(1)],
                                       combinations: [try LinearCombination(encoding: [da.scale / od.scale]), try LinearCombination(encoding: [db.scale / od.scale])])
                let (y, shape) = Self.broadcast(a.map(da.dequantize), sa, b.map(db.dequantize), sb) { function == .max ? max($0, $1) : min($0, $1) }
                let got = try runEveryWay(oneLayerNetwork(.maxMin(op), inputs: [("a", sa, da), ("b", sb, db)], output: (shape, od)),
                                          ["a": quantizedTensor(sa, a, da), "b": quantizedTensor(sb, b, db)])["y0"] ?? []
                expectClose(got, y.map { oracleQuantize($0, od) }, tolerance: exactCase ? 0 : 1, "\(function) \(sa) \(sb) exact \(exactCase)")
            }
        }
    }
}
