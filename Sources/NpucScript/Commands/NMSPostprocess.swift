// `nms_postprocess([config_path,] [meta_arch,] engine=cpu, …)`: adds the detection
// post-processing (box decoding + NMS) that the host runs after the network. The config file is
// the model zoo's JSON format (see NMSConfig); without one, the config comes from the detection
// head recognized when the model was parsed. Keyword arguments override the config's values.

public struct NMSPostprocess: CommandDefinition {
    public static let name = "nms_postprocess"
    public static let keywords = ["config_path", "meta_arch", "engine", "nms_scores_th", "nms_iou_th", "classes",
                                  "image_dims", "max_proposals_per_class", "max_total_output_proposals"]

    public enum MetaArch: String, ScriptKeyword {
        case yolov8, yolov5, yolox, ssd
        public static let noun = "meta architecture"
    }

    /// Meta architectures of the DFC that npuc recognizes but does not implement.
    public static let unsupportedMetaArchs = ["centernet", "yolov5_seg", "yolov8_seg", "yolov8_pose", "yolo_world"]

    public enum Engine: String, ScriptKeyword {
        case cpu
        public static let noun = "engine"
    }

    /// Engines of the DFC that npuc does not implement (npuc runs NMS on the host CPU).
    public static let unsupportedEngines = ["nn_core", "auto"]

    /// The JSON config as written (may contain `$VARIABLE`s; resolved relative to the script).
    public var configPath: String?
    /// nil: taken from the config file or from the recognized detection head.
    public var metaArch: MetaArch?
    /// nil: `cpu`, the only engine npuc has.
    public var engine: Engine?
    public var scoresThreshold: Double?
    public var iouThreshold: Double?
    public var classes: Int?
    public var imageDims: [Int]?
    public var maxProposalsPerClass: Int?
    public var maxTotalOutputProposals: Int?

    public init(configPath: String? = nil, metaArch: MetaArch? = nil, engine: Engine? = nil,
                scoresThreshold: Double? = nil, iouThreshold: Double? = nil, classes: Int? = nil,
                imageDims: [Int]? = nil, maxProposalsPerClass: Int? = nil, maxTotalOutputProposals: Int? = nil) {
        self.configPath = configPath
        self.metaArch = metaArch
        self.engine = engine
        self.scoresThreshold = scoresThreshold
        self.iouThreshold = iouThreshold
        self.classes = classes
        self.imageDims = imageDims
        self.maxProposalsPerClass = maxProposalsPerClass
        self.maxTotalOutputProposals = maxTotalOutputProposals
    }

    public var effectiveEngine: Engine { engine ?? .cpu }

    enum CodingKeys: String, CodingKey {
        case configPath = "config_path", metaArch = "meta_arch", engine
        case scoresThreshold = "nms_scores_th", iouThreshold = "nms_iou_th", classes, imageDims = "image_dims"
        case maxProposalsPerClass = "max_proposals_per_class", maxTotalOutputProposals = "max_total_output_proposals"
    }

    static func read(_ a: inout Arguments, _ bag: inout DiagnosticBag) -> ReadOutcome<NMSPostprocess> {
        var pathValue = a.keyword("config_path")
        var archValue = a.keyword("meta_arch")
        // Positionals: an optional config path (a string), then an optional meta architecture.
        if pathValue == nil, let first = a.positional.first, case .string = first.kind {
            pathValue = a.nextPositionalValue()
        }
        if archValue == nil { archValue = a.nextPositionalValue() }
        let engineValue = a.keyword("engine")
        let scores = a.keyword("nms_scores_th"), iou = a.keyword("nms_iou_th"), classesValue = a.keyword("classes")
        let dims = a.keyword("image_dims"), perClass = a.keyword("max_proposals_per_class")
        let total = a.keyword("max_total_output_proposals")
        a.finish(known: keywords, &bag)

        if case .name(let word)? = archValue?.kind, unsupportedMetaArchs.contains(word) {
            return .unsupported(what: "nms_postprocess(meta_arch=\(word))", at: archValue)
        }
        if case .name(let word)? = engineValue?.kind, unsupportedEngines.contains(word) {
            return .unsupported(what: "nms_postprocess(engine=\(word))", at: engineValue)
        }
        var ok = true
        func check<T>(_ v: ValueSyntax?, _ read: (ValueSyntax) -> T?) -> T? {
            guard let v else { return nil }
            let r = read(v)
            if r == nil { ok = false }
            return r
        }
        var command = NMSPostprocess()
        command.configPath = check(pathValue) { a.string($0, "config_path", &bag) }
        command.metaArch = check(archValue) { a.keywordValue($0, "meta_arch", as: MetaArch.self, &bag) }
        command.engine = check(engineValue) { a.keywordValue($0, "engine", as: Engine.self, &bag) }
        command.scoresThreshold = check(scores) { a.double($0, "nms_scores_th", in: 0...1, &bag) }
        command.iouThreshold = check(iou) { a.double($0, "nms_iou_th", in: 0...1, &bag) }
        command.classes = check(classesValue) { a.int($0, "classes", in: 1...Int.max, &bag) }
        command.maxProposalsPerClass = check(perClass) { a.int($0, "max_proposals_per_class", in: 1...Int.max, &bag) }
        command.maxTotalOutputProposals = check(total) { a.int($0, "max_total_output_proposals", in: 1...Int.max, &bag) }
        command.imageDims = check(dims) { v -> [Int]? in
            guard let xs = a.doubleList(v, "image_dims", count: 2, &bag) else { return nil }
            guard xs.allSatisfy({ $0 >= 1 && $0 == $0.rounded() && $0 < 1e9 }) else {
                bag.error(.argument, "image_dims must be two positive whole numbers [height, width]", at: v.location, length: v.length)
                return nil
            }
            return xs.map { Int($0) }
        }
        if case .string(let s)? = pathValue?.kind, s.isEmpty {
            bag.error(.argument, "config_path is empty", at: pathValue!.location, length: pathValue!.length)
            ok = false
        }
        return ok ? .command(command) : .invalid
    }

    var printedArguments: [PrintedArgument] {
        (configPath.map { [PrintedArgument(nil, .string($0))] } ?? [])
            + optionalArgument("meta_arch", metaArch, ScriptValue.word)
            + optionalArgument("engine", engine, ScriptValue.word)
            + optionalArgument("nms_scores_th", scoresThreshold, ScriptValue.number)
            + optionalArgument("nms_iou_th", iouThreshold, ScriptValue.number)
            + optionalArgument("classes", classes, ScriptValue.integer)
            + optionalArgument("image_dims", imageDims) { .list($0.map(ScriptValue.integer)) }
            + optionalArgument("max_proposals_per_class", maxProposalsPerClass, ScriptValue.integer)
            + optionalArgument("max_total_output_proposals", maxTotalOutputProposals, ScriptValue.integer)
    }
}
