// Resize (opsets 10, 11, 13, 18, 19) and Upsample (7, 9) → IR resize with scales, output shape
// and coordinate rules resolved as ONNX's reference defines them.

import NpucGraph

enum ONNXResizeMappings {
    static let all: [String: ONNXOpMapping] = [
        "Resize": ONNXOpMapping(becomes: [.resize], note: "constant scales or sizes; nearest and linear on the NPU", map: mapResize),
        "Upsample": ONNXOpMapping(becomes: [.resize], note: "constant scales", map: mapUpsample),
    ]

    static func mode(_ c: NodeContext) throws(NodeProblem) -> Resize.Mode {
        let name = try c.node.string("mode", default: "nearest")
        switch name {
        case "nearest": return .nearest
        case "linear", "bilinear", "trilinear": return .linear
        case "cubic": return .cubic
        default: throw NodeProblem("mode '\(name)' is not nearest, linear or cubic")
        }
    }

    /// Upsample and opset-10 Resize: asymmetric coordinates, nearest rounds down (as repeating does).
    static func mapUpsample(_ c: NodeContext) throws(NodeProblem) {
        let x = try c.shape(0)
        let scales: [Double]
        if c.opset >= 9 || c.node.opType == "Resize" {
            scales = try c.requireConstant(1, "scales").floats.map(Double.init)
        } else {
            scales = (try c.node.floats("scales") ?? []).map(Double.init)
        }
        guard scales.count == x.count else {
            throw NodeProblem("\(scales.count) scales for an input of rank \(x.count)")
        }
        let out = zip(x, scales).map { Int((Double($0) * $1).rounded(.down)) }
        let op = Resize(mode: try mode(c), coordinateTransformation: .asymmetric, nearestMode: .floor, scales: scales,
                        outputShape: out)
        try c.emit(.resize(op), inputs: [try c.value(0)], outputs: [try c.output(0)])
    }

    static func mapResize(_ c: NodeContext) throws(NodeProblem) {
        if c.opset < 11 { return try mapUpsample(c) }
        let x = try c.shape(0)
        let r = x.count
        var axes = Array(0..<r)
        if c.opset >= 18, let given = try c.node.ints("axes") {
            axes = []
            for a in given {
                guard let n = ShapeArithmetic.normalizeAxis(a, rank: r), !axes.contains(n) else {
                    throw NodeProblem("axes \(given) are invalid for rank \(r)")
                }
                axes.append(n)
            }
        }
        let scalesInput = c.isPresent(2) ? try c.requireConstant(2, "scales") : nil
        let sizesInput = c.isPresent(3) ? try c.requireConstant(3, "sizes") : nil
        var scales = Array(repeating: 1.0, count: r)
        var out = x
        if let sizes = sizesInput, sizes.elementCount > 0 {
            let given = sizes.int64s.map { Int($0) }
            guard given.count == axes.count else { throw NodeProblem("\(given.count) sizes for \(axes.count) axes") }
            for (k, a) in axes.enumerated() {
                out[a] = given[k]
                scales[a] = Double(given[k]) / Double(x[a])
            }
            let policy = c.opset >= 18 ? try c.node.string("keep_aspect_ratio_policy", default: "stretch") : "stretch"
            if policy != "stretch" {
                let chosen = axes.map { scales[$0] }
                guard let scale = policy == "not_larger" ? chosen.min() : policy == "not_smaller" ? chosen.max() : nil else {
                    throw NodeProblem("keep_aspect_ratio_policy '\(policy)' is not stretch, not_larger or not_smaller")
                }
                for a in axes {
                    scales[a] = scale
                    out[a] = Int(scale * Double(x[a]) + 0.5)
                }
            }
        } else if let s = scalesInput, s.elementCount > 0 {
            let given = s.floats.map(Double.init)
            guard given.count == axes.count else { throw NodeProblem("\(given.count) scales for \(axes.count) axes") }
            for (k, a) in axes.enumerated() {
                scales[a] = given[k]
                out[a] = Int((given[k] * Double(x[a])).rounded(.down))
            }
        } else {
            throw NodeProblem("neither scales nor sizes is given")
        }
        let transformName = try c.node.string("coordinate_transformation_mode", default: "half_pixel")
        guard let transform = Resize.CoordinateTransformation(rawValue: transformName) else {
            throw NodeProblem("coordinate_transformation_mode '\(transformName)' is not supported")
        }
        let nearestName = try c.node.string("nearest_mode", default: "round_prefer_floor")
        guard let nearest = Resize.NearestMode(rawValue: nearestName) else {
            throw NodeProblem("nearest_mode '\(nearestName)' is not supported")
        }
        var roi = [Double]()
        if transform == .tfCropAndResize {
            let given = try c.requireConstant(1, "roi").floats.map(Double.init)
            guard given.count == 2 * axes.count else { throw NodeProblem("roi has \(given.count) values, expected \(2 * axes.count)") }
            roi = Array(repeating: 0, count: r) + Array(repeating: 1, count: r)
            for (k, a) in axes.enumerated() {
                roi[a] = given[k]
                roi[a + r] = given[k + axes.count]
            }
        }
        let op = Resize(mode: try mode(c), coordinateTransformation: transform, nearestMode: nearest,
                        cubicCoefficientA: try c.node.float("cubic_coeff_a", default: -0.75),
                        excludeOutside: try c.node.int("exclude_outside", default: 0) != 0,
                        extrapolationValue: try c.node.float("extrapolation_value", default: 0),
                        antialias: c.opset >= 18 ? try c.node.int("antialias", default: 0) != 0 : false,
                        scales: scales, roi: roi, outputShape: out)
        try c.emit(.resize(op), inputs: [try c.value(0)], outputs: [try c.output(0)])
    }
}
