// The detection post-processing config in the model zoo's JSON format (`nms_scores_th`,
// `nms_iou_th`, `image_dims`, `max_proposals_per_class`, `classes`, `regression_length`,
// `bbox_decoders` …): parsing with messages that name the key, checks per meta architecture,
// the overrides of `nms_postprocess(…)`, and the config npuc derives from a recognized head.

import Foundation
import NpucGraph

public struct NMSConfig: Hashable, Sendable, Codable {
    /// One detection scale: where its box, class (and objectness) outputs come from.
    public struct BoxDecoder: Hashable, Sendable, Codable {
        public var name: String?
        public var stride: Int?
        /// Anchor widths and heights (YOLOv5: pixels; SSD: fractions of the image).
        public var anchorWidths: [Double]?
        public var anchorHeights: [Double]?
        public var regLayer: String?
        public var clsLayer: String?
        public var objectnessLayer: String?
        /// YOLOv5: the one layer that carries boxes, objectness and classes.
        public var encodedLayer: String?
        /// CenterNet-style separate height / width regressions.
        public var regLayerH: String?
        public var regLayerW: String?

        public init(name: String? = nil, stride: Int? = nil, anchorWidths: [Double]? = nil, anchorHeights: [Double]? = nil,
                    regLayer: String? = nil, clsLayer: String? = nil, objectnessLayer: String? = nil,
                    encodedLayer: String? = nil, regLayerH: String? = nil, regLayerW: String? = nil) {
            self.name = name
            self.stride = stride
            self.anchorWidths = anchorWidths
            self.anchorHeights = anchorHeights
            self.regLayer = regLayer
            self.clsLayer = clsLayer
            self.objectnessLayer = objectnessLayer
            self.encodedLayer = encodedLayer
            self.regLayerH = regLayerH
            self.regLayerW = regLayerW
        }

        enum CodingKeys: String, CodingKey {
            case name, stride, anchorWidths = "w", anchorHeights = "h", regLayer = "reg_layer", clsLayer = "cls_layer"
            case objectnessLayer = "objectness_layer", encodedLayer = "encoded_layer"
            case regLayerH = "reg_layer_h", regLayerW = "reg_layer_w"
        }

        /// The layer names this decoder refers to, with the key that holds each.
        public var layerNames: [(key: String, name: String)] {
            [("reg_layer", regLayer), ("cls_layer", clsLayer), ("objectness_layer", objectnessLayer),
             ("encoded_layer", encodedLayer), ("reg_layer_h", regLayerH), ("reg_layer_w", regLayerW)]
                .compactMap { key, value in value.flatMap { $0.isEmpty ? nil : (key, $0) } }
        }
    }

    public var scoresThreshold: Double
    public var iouThreshold: Double?
    /// Network input [height, width] the strides and anchors refer to.
    public var imageDims: [Int]?
    public var maxProposalsPerClass: Int
    public var maxTotalOutputProposals: Int?
    public var classes: Int
    /// YOLOv8: DFL bins per box side.
    public var regressionLength: Int?
    /// SSD: drop the background class.
    public var backgroundRemoval: Bool
    public var backgroundRemovalIndex: Int?
    /// SSD box coding: scale of centers and of sizes.
    public var centersScaleFactor: Double?
    public var bboxDimensionsScaleFactor: Double?
    public var numberOfDetectionHeads: Int?
    public var inputDivisionFactor: Int?
    public var bboxDecoders: [BoxDecoder]

    public init(scoresThreshold: Double, iouThreshold: Double?, imageDims: [Int]?, maxProposalsPerClass: Int,
                maxTotalOutputProposals: Int? = nil, classes: Int, regressionLength: Int? = nil,
                backgroundRemoval: Bool = false, backgroundRemovalIndex: Int? = nil, centersScaleFactor: Double? = nil,
                bboxDimensionsScaleFactor: Double? = nil, numberOfDetectionHeads: Int? = nil,
                inputDivisionFactor: Int? = nil, bboxDecoders: [BoxDecoder]) {
        self.scoresThreshold = scoresThreshold
        self.iouThreshold = iouThreshold
        self.imageDims = imageDims
        self.maxProposalsPerClass = maxProposalsPerClass
        self.maxTotalOutputProposals = maxTotalOutputProposals
        self.classes = classes
        self.regressionLength = regressionLength
        self.backgroundRemoval = backgroundRemoval
        self.backgroundRemovalIndex = backgroundRemovalIndex
        self.centersScaleFactor = centersScaleFactor
        self.bboxDimensionsScaleFactor = bboxDimensionsScaleFactor
        self.numberOfDetectionHeads = numberOfDetectionHeads
        self.inputDivisionFactor = inputDivisionFactor
        self.bboxDecoders = bboxDecoders
    }

    enum CodingKeys: String, CodingKey {
        case scoresThreshold = "nms_scores_th", iouThreshold = "nms_iou_th", imageDims = "image_dims"
        case maxProposalsPerClass = "max_proposals_per_class", maxTotalOutputProposals = "max_total_output_proposals"
        case classes, regressionLength = "regression_length", backgroundRemoval = "background_removal"
        case backgroundRemovalIndex = "background_removal_index", centersScaleFactor = "centers_scale_factor"
        case bboxDimensionsScaleFactor = "bbox_dimensions_scale_factor"
        case numberOfDetectionHeads = "number_of_detection_heads", inputDivisionFactor = "input_division_factor"
        case bboxDecoders = "bbox_decoders"
    }

    // MARK: Parsing

    /// Parses the JSON text of a config. Throws every problem found; unknown keys come back as
    /// `warnings` (npuc reads the keys above and nothing else).
    public static func parse(_ data: Data, fileName: String) throws(NMSConfigError) -> (config: NMSConfig, warnings: [String]) {
        let root: JSONValue
        do {
            root = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw NMSConfigError(fileName: fileName, problems: ["not valid JSON; check brackets, commas and quotes"])
        }
        var reader = JSONReader()
        guard let object = reader.object(root, at: "the top level") else {
            throw NMSConfigError(fileName: fileName, problems: reader.problems)
        }
        let topKeys = Set(CodingKeys.allKeys)
        let decoderKeys = Set(BoxDecoder.CodingKeys.allKeys)
        var warnings = object.keys.filter { !topKeys.contains($0) }.sorted().map { "unknown key '\($0)' is ignored" }

        let scores = reader.double(object, "nms_scores_th", required: true, in: 0...1)
        let iou = reader.double(object, "nms_iou_th", in: 0...1)
        let dims = reader.intList(object, "image_dims", count: 2, minimum: 1)
        let perClass = reader.int(object, "max_proposals_per_class", required: true, minimum: 1)
        let total = reader.int(object, "max_total_output_proposals", minimum: 1)
        let classes = reader.int(object, "classes", required: true, minimum: 1)
        let regression = reader.int(object, "regression_length", minimum: 1)
        let background = reader.bool(object, "background_removal") ?? false
        let backgroundIndex = reader.int(object, "background_removal_index", minimum: 0)
        let centers = reader.double(object, "centers_scale_factor", in: 0...Double.greatestFiniteMagnitude)
        let dimensions = reader.double(object, "bbox_dimensions_scale_factor", in: 0...Double.greatestFiniteMagnitude)
        let heads = reader.int(object, "number_of_detection_heads", minimum: 1)
        let division = reader.int(object, "input_division_factor", minimum: 1)
        var decoders: [BoxDecoder] = []
        if let list = reader.array(object, "bbox_decoders", required: true) {
            if list.isEmpty { reader.problems.append("bbox_decoders: the list is empty; give one decoder per detection scale") }
            for (i, item) in list.enumerated() {
                let path = "bbox_decoders[\(i)]"
                guard let d = reader.object(item, at: path) else { continue }
                for key in d.keys.sorted() where !decoderKeys.contains(key) {
                    warnings.append("\(path): unknown key '\(key)' is ignored")
                }
                var decoder = BoxDecoder()
                decoder.name = reader.string(d, "name", path: path)
                decoder.stride = reader.int(d, "stride", minimum: 1, path: path)
                decoder.anchorWidths = reader.doubleList(d, "w", path: path)
                decoder.anchorHeights = reader.doubleList(d, "h", path: path)
                decoder.regLayer = reader.string(d, "reg_layer", path: path)
                decoder.clsLayer = reader.string(d, "cls_layer", path: path)
                decoder.objectnessLayer = reader.string(d, "objectness_layer", path: path)
                decoder.encodedLayer = reader.string(d, "encoded_layer", path: path)
                decoder.regLayerH = reader.string(d, "reg_layer_h", path: path)
                decoder.regLayerW = reader.string(d, "reg_layer_w", path: path)
                if let w = decoder.anchorWidths, let h = decoder.anchorHeights, w.count != h.count {
                    reader.problems.append("\(path): 'w' has \(w.count) anchors but 'h' has \(h.count)")
                }
                decoders.append(decoder)
            }
        }
        guard reader.problems.isEmpty, let scores, let perClass, let classes else {
            throw NMSConfigError(fileName: fileName, problems: reader.problems)
        }
        let config = NMSConfig(scoresThreshold: scores, iouThreshold: iou, imageDims: dims, maxProposalsPerClass: perClass,
                               maxTotalOutputProposals: total, classes: classes, regressionLength: regression,
                               backgroundRemoval: background, backgroundRemovalIndex: backgroundIndex,
                               centersScaleFactor: centers, bboxDimensionsScaleFactor: dimensions,
                               numberOfDetectionHeads: heads, inputDivisionFactor: division, bboxDecoders: decoders)
        return (config, warnings)
    }

    /// Reads a config file. `path` may use `$VAR` / `${VAR}` and is relative to `directory`.
    public static func load(path: String, relativeTo directory: String?,
                            environment: [String: String]) throws(NMSConfigError) -> (config: NMSConfig, warnings: [String], resolvedPath: String) {
        let resolved = try resolvePath(path, relativeTo: directory, environment: environment)
        guard let data = FileManager.default.contents(atPath: resolved) else {
            let exists = FileManager.default.fileExists(atPath: resolved)
            throw NMSConfigError(fileName: path, problems: [exists ? "cannot read \(resolved)"
                                                             : "file not found: \(resolved) (paths are relative to the script's folder)"])
        }
        let (config, warnings) = try parse(data, fileName: path)
        return (config, warnings, resolved)
    }

    /// Expands `$VAR` and `${VAR}` and makes a relative path relative to `directory`.
    public static func resolvePath(_ path: String, relativeTo directory: String?,
                                   environment: [String: String]) throws(NMSConfigError) -> String {
        var out = ""
        var scalars = Substring(path).unicodeScalars[...]
        while let c = scalars.first {
            scalars.removeFirst()
            guard c == "$" else {
                out.unicodeScalars.append(c)
                continue
            }
            var name = ""
            if scalars.first == "{" {
                scalars.removeFirst()
                while let d = scalars.first, d != "}" {
                    name.unicodeScalars.append(d)
                    scalars.removeFirst()
                }
                if scalars.first == "}" { scalars.removeFirst() }
            } else {
                while let d = scalars.first, d.properties.isAlphabetic || ("0"..."9").contains(d) || d == "_" {
                    name.unicodeScalars.append(d)
                    scalars.removeFirst()
                }
            }
            guard let value = environment[name] else {
                throw NMSConfigError(fileName: path, problems: ["environment variable \(name) is not set; set it to the folder the path refers to"])
            }
            out += value
        }
        if out.hasPrefix("/") || directory == nil { return out }
        return URL(fileURLWithPath: directory!).appendingPathComponent(out).standardizedFileURL.path
    }

    // MARK: Checks and overrides

    /// What the config lacks for `metaArch`, one sentence each.
    public func problems(for metaArch: NMSPostprocess.MetaArch) -> [String] {
        var problems: [String] = []
        if imageDims == nil { problems.append("image_dims is missing; give the network input [height, width]") }
        if metaArch == .yolov8, regressionLength == nil {
            problems.append("regression_length is missing; yolov8 boxes are DFL distributions (16 bins for Ultralytics models)")
        }
        for (i, d) in bboxDecoders.enumerated() {
            let path = "bbox_decoders[\(i)]"
            func need(_ value: String?, _ key: String) {
                if value?.isEmpty ?? true { problems.append("\(path): '\(key)' is missing or empty; \(metaArch.rawValue) needs it") }
            }
            switch metaArch {
            case .yolov8:
                if d.stride == nil { problems.append("\(path): 'stride' is missing") }
                need(d.regLayer, "reg_layer")
                need(d.clsLayer, "cls_layer")
            case .yolox:
                if d.stride == nil { problems.append("\(path): 'stride' is missing") }
                need(d.regLayer, "reg_layer")
                need(d.clsLayer, "cls_layer")
                need(d.objectnessLayer, "objectness_layer")
            case .yolov5:
                if d.stride == nil { problems.append("\(path): 'stride' is missing") }
                if (d.anchorWidths ?? []).isEmpty { problems.append("\(path): anchors 'w' and 'h' are missing") }
                need(d.encodedLayer, "encoded_layer")
            case .ssd:
                if (d.anchorWidths ?? []).isEmpty { problems.append("\(path): anchors 'w' and 'h' are missing") }
                need(d.regLayer, "reg_layer")
                need(d.clsLayer, "cls_layer")
            }
        }
        return problems
    }

    /// The config with the values `nms_postprocess(…)` sets explicitly.
    public func applying(_ command: NMSPostprocess) -> NMSConfig {
        var c = self
        if let v = command.scoresThreshold { c.scoresThreshold = v }
        if let v = command.iouThreshold { c.iouThreshold = v }
        if let v = command.classes { c.classes = v }
        if let v = command.imageDims { c.imageDims = v }
        if let v = command.maxProposalsPerClass { c.maxProposalsPerClass = v }
        if let v = command.maxTotalOutputProposals { c.maxTotalOutputProposals = v }
        return c
    }

    /// npuc's config for a head recognized at parse time (used when the script names no file).
    /// Thresholds: yolov8 0.2 / 0.7, yolox 0.2 / 0.65, yolov5 0.2 / 0.6, ssd 0.3 / 0.6; 100
    /// proposals per class. Layer names are the head's original (ONNX) node names.
    public init(head: DetectionHead) {
        let height = head.inputSize.first ?? 0
        let width = head.inputSize.count > 1 ? head.inputSize[1] : height
        var decoders: [BoxDecoder] = []
        for branch in head.branches {
            var d = BoxDecoder(name: "bbox_decoder_\(branch.stride)", stride: branch.stride)
            switch head.metaArchitecture {
            case .yolov8:
                d.regLayer = branch.boxNode
                d.clsLayer = branch.classNode
            case .yolox:
                d.regLayer = branch.boxNode
                d.clsLayer = branch.classNode
                d.objectnessLayer = branch.objectnessNode
            case .yolov5:
                d.encodedLayer = branch.boxNode
                d.anchorWidths = branch.anchors.map { Double($0.first ?? 0) }
                d.anchorHeights = branch.anchors.map { Double($0.count > 1 ? $0[1] : 0) }
            case .ssd:
                d.stride = nil
                d.regLayer = branch.boxNode
                d.clsLayer = branch.classNode
                d.anchorWidths = branch.anchors.map { Double($0.first ?? 0) / Double(max(width, 1)) }
                d.anchorHeights = branch.anchors.map { Double($0.count > 1 ? $0[1] : 0) / Double(max(height, 1)) }
            }
            decoders.append(d)
        }
        let thresholds: (Double, Double) = switch head.metaArchitecture {
        case .yolov8: (0.2, 0.7)
        case .yolox: (0.2, 0.65)
        case .yolov5: (0.2, 0.6)
        case .ssd: (0.3, 0.6)
        }
        let ssd = head.metaArchitecture == .ssd
        self.init(scoresThreshold: thresholds.0, iouThreshold: thresholds.1, imageDims: [height, width],
                  maxProposalsPerClass: 100, classes: head.numberOfClasses,
                  regressionLength: head.metaArchitecture == .yolov8 ? head.regMax : nil,
                  backgroundRemoval: ssd, backgroundRemovalIndex: ssd ? 0 : nil,
                  centersScaleFactor: ssd ? 10 : nil, bboxDimensionsScaleFactor: ssd ? 5 : nil,
                  bboxDecoders: decoders)
    }
}

/// A config that cannot be used, with every problem found.
public struct NMSConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    public var fileName: String
    public var problems: [String]

    public var description: String {
        problems.map { "\(fileName): \($0)" }.joined(separator: "\n")
    }
}

extension NMSConfig.CodingKeys: CaseIterable {
    static var allKeys: [String] { allCases.map(\.rawValue) }
}

extension NMSConfig.BoxDecoder.CodingKeys: CaseIterable {
    static var allKeys: [String] { allCases.map(\.rawValue) }
}

/// A JSON value, decoded so that booleans and numbers stay apart on every platform.
enum JSONValue: Decodable {
    case bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue]), null

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let x = try? c.decode(Double.self) { self = .number(x) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    var described: String {
        switch self {
        case .bool(let b): return b ? "true" : "false"
        case .number(let x): return "\(x)"
        case .string: return "a string"
        case .array: return "a list"
        case .object: return "an object"
        case .null: return "null"
        }
    }
}

/// Typed reads from a JSON object, collecting "key: what is wrong" problems.
private struct JSONReader {
    var problems: [String] = []

    mutating func object(_ value: JSONValue, at path: String) -> [String: JSONValue]? {
        if case .object(let o) = value { return o }
        problems.append("\(path) must be a JSON object")
        return nil
    }

    private func key(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    mutating func double(_ o: [String: JSONValue], _ name: String, required: Bool = false, in range: ClosedRange<Double>,
                         path: String = "") -> Double? {
        guard let raw = o[name] else {
            if required { problems.append("\(key(path, name)) is missing") }
            return nil
        }
        guard case .number(let x) = raw else {
            problems.append("\(key(path, name)): expected a number, found \(raw.described)")
            return nil
        }
        guard range.contains(x) else {
            problems.append("\(key(path, name)): \(x) is out of range; it must be between \(range.lowerBound) and \(range.upperBound)")
            return nil
        }
        return x
    }

    mutating func int(_ o: [String: JSONValue], _ name: String, required: Bool = false, minimum: Int, path: String = "") -> Int? {
        guard let raw = o[name] else {
            if required { problems.append("\(key(path, name)) is missing") }
            return nil
        }
        guard case .number(let x) = raw, x == x.rounded(), abs(x) < 1e15 else {
            problems.append("\(key(path, name)): expected a whole number, found \(raw.described)")
            return nil
        }
        guard Int(x) >= minimum else {
            problems.append("\(key(path, name)): \(Int(x)) must be at least \(minimum)")
            return nil
        }
        return Int(x)
    }

    mutating func bool(_ o: [String: JSONValue], _ name: String, path: String = "") -> Bool? {
        guard let raw = o[name] else { return nil }
        guard case .bool(let b) = raw else {
            problems.append("\(key(path, name)): expected true or false, found \(raw.described)")
            return nil
        }
        return b
    }

    mutating func string(_ o: [String: JSONValue], _ name: String, path: String = "") -> String? {
        guard let raw = o[name] else { return nil }
        guard case .string(let s) = raw else {
            problems.append("\(key(path, name)): expected a string, found \(raw.described)")
            return nil
        }
        return s
    }

    mutating func array(_ o: [String: JSONValue], _ name: String, required: Bool = false, path: String = "") -> [JSONValue]? {
        guard let raw = o[name] else {
            if required { problems.append("\(key(path, name)) is missing") }
            return nil
        }
        guard case .array(let a) = raw else {
            problems.append("\(key(path, name)): expected a list, found \(raw.described)")
            return nil
        }
        return a
    }

    mutating func doubleList(_ o: [String: JSONValue], _ name: String, path: String = "") -> [Double]? {
        guard let items = array(o, name, path: path) else { return nil }
        var result: [Double] = []
        for (i, item) in items.enumerated() {
            guard case .number(let x) = item else {
                problems.append("\(key(path, name))[\(i)]: expected a number, found \(item.described)")
                return nil
            }
            result.append(x)
        }
        return result
    }

    mutating func intList(_ o: [String: JSONValue], _ name: String, count: Int, minimum: Int, path: String = "") -> [Int]? {
        guard let xs = doubleList(o, name, path: path) else { return nil }
        guard xs.count == count, xs.allSatisfy({ $0 == $0.rounded() && $0 >= Double(minimum) && $0 < 1e9 }) else {
            problems.append("\(key(path, name)): expected \(count) whole numbers of at least \(minimum)")
            return nil
        }
        return xs.map { Int($0) }
    }
}
