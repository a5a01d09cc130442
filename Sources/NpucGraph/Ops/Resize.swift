// Resize (nearest, linear, cubic) with ONNX's coordinate-transformation rules; the scales and
// the output shape are resolved at import for every axis.

public struct Resize: OperatorDefinition {
    public enum Mode: String, Codable, Sendable, Hashable { case nearest, linear, cubic }
    public enum CoordinateTransformation: String, Codable, Sendable, Hashable {
        case halfPixel = "half_pixel", halfPixelSymmetric = "half_pixel_symmetric"
        case pytorchHalfPixel = "pytorch_half_pixel", alignCorners = "align_corners"
        case asymmetric, tfCropAndResize = "tf_crop_and_resize"
    }
    public enum NearestMode: String, Codable, Sendable, Hashable {
        case roundPreferFloor = "round_prefer_floor", roundPreferCeil = "round_prefer_ceil", floor, ceil
    }

    public static let kind = OpKind.resize
    public static let inputArity = 1...1

    public var mode: Mode
    public var coordinateTransformation: CoordinateTransformation
    public var nearestMode: NearestMode
    public var cubicCoefficientA: Float
    public var excludeOutside: Bool
    public var extrapolationValue: Float
    public var antialias: Bool
    /// Scale per axis (output / input as ONNX defines it: the given scales, or sizes / input),
    /// in double precision as ONNX's reference computes it.
    public var scales: [Double]
    /// Region of interest per axis (starts then ends), used by `tf_crop_and_resize` only.
    public var roi: [Double]
    public var outputShape: [Int]

    public init(mode: Mode, coordinateTransformation: CoordinateTransformation, nearestMode: NearestMode,
                cubicCoefficientA: Float = -0.75, excludeOutside: Bool = false, extrapolationValue: Float = 0,
                antialias: Bool = false, scales: [Double], roi: [Double] = [], outputShape: [Int]) {
        self.mode = mode
        self.coordinateTransformation = coordinateTransformation
        self.nearestMode = nearestMode
        self.cubicCoefficientA = cubicCoefficientA
        self.excludeOutside = excludeOutside
        self.extrapolationValue = extrapolationValue
        self.antialias = antialias
        self.scales = scales
        self.roi = roi
        self.outputShape = outputShape
    }

    public var layerPrefix: String { "resize" }

    public func inferOutputTypes(_ inputs: [TensorType]) throws(ShapeInferenceError) -> [TensorType] {
        let dtype = try OpShapes.requireFloat(inputs)
        let x = inputs[0].shape
        guard scales.count == x.count, outputShape.count == x.count else {
            throw ShapeInferenceError("resize has \(scales.count) scales for an input of rank \(x.count)")
        }
        guard outputShape.allSatisfy({ $0 >= 1 }), scales.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw ShapeInferenceError("resize to \(ShapeArithmetic.describe(outputShape)) (scales \(scales)) is empty or invalid")
        }
        return [TensorType(dtype, outputShape)]
    }

    /// The source coordinate for output coordinate `x` along an axis (ONNX's formulas; the
    /// "output width" in them is scale × input length, which need not be an integer).
    public func sourceCoordinate(_ x: Int, axis: Int, inputLength: Int) -> Double {
        let xr = Double(x)
        let scale = scales[axis]
        let inLength = Double(inputLength)
        let outWidth = scale * inLength
        let outWidthInt = Double(outputShape[axis])
        switch coordinateTransformation {
        case .halfPixel:
            return (xr + 0.5) / scale - 0.5
        case .halfPixelSymmetric:
            let adjustment = outWidthInt / outWidth
            let center = inLength / 2
            return center * (1 - adjustment) + (xr + 0.5) / scale - 0.5
        case .pytorchHalfPixel:
            return outWidth == 1 ? -0.5 : (xr + 0.5) / scale - 0.5
        case .alignCorners:
            return outWidth == 1 ? 0 : xr * (inLength - 1) / (outWidth - 1)
        case .asymmetric:
            return xr / scale
        case .tfCropAndResize:
            let rank = scales.count
            let start = roi[axis], end = roi[axis + rank]
            let base = start * (inLength - 1)
            return outWidth == 1 ? base + (end - start) * (inLength - 1) / 2
                : base + xr * (end - start) * (inLength - 1) / (outWidth - 1)
        }
    }

    /// True when `tf_crop_and_resize` maps the output coordinate outside the input (the output
    /// takes `extrapolationValue` there).
    public func isExtrapolated(_ coordinate: Double, inputLength: Int) -> Bool {
        coordinateTransformation == .tfCropAndResize && (coordinate < 0 || coordinate > Double(inputLength - 1))
    }

    /// Nearest source index for a source coordinate, by `nearestMode`.
    public func nearestIndex(_ coordinate: Double) -> Int {
        switch nearestMode {
        case .roundPreferFloor:
            return coordinate == coordinate.rounded(.down) + 0.5 ? Int(coordinate.rounded(.down)) : Int(coordinate.rounded(.toNearestOrAwayFromZero))
        case .roundPreferCeil:
            return coordinate == coordinate.rounded(.down) + 0.5 ? Int(coordinate.rounded(.up)) : Int(coordinate.rounded(.toNearestOrAwayFromZero))
        case .floor: return Int(coordinate.rounded(.down))
        case .ceil: return Int(coordinate.rounded(.up))
        }
    }
}

extension Resize {
    static let npuConstraints: [Constraint] = [
        Constraint("Resizing is nearest-neighbor or bilinear (linear on 1-D/2-D); cubic is not supported.") { c in
            guard case .resize(let a) = c.node.op, a.mode == .cubic else { return nil }
            return "mode is cubic"
        },
        Constraint("Only the spatial axes are resized; batch and channels keep their sizes.") { c in
            guard case .resize(let a) = c.node.op else { return nil }
            let x = c.inputTypes[0].shape
            guard x.count >= 3 else { return "the input \(ShapeArithmetic.describe(x)) has no spatial axes" }
            if a.outputShape[0] != x[0] || a.outputShape[1] != x[1] {
                return "it resizes \(ShapeArithmetic.describe(x)) to \(ShapeArithmetic.describe(a.outputShape))"
            }
            return nil
        },
        Constraint("No antialiasing and no tf_crop_and_resize region of interest.") { c in
            guard case .resize(let a) = c.node.op else { return nil }
            if a.antialias { return "antialias is set" }
            if a.coordinateTransformation == .tfCropAndResize { return "coordinate_transformation_mode is tf_crop_and_resize" }
            return nil
        },
    ]
}
