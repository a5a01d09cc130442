// A detection head recognized at parse time (YOLOv8/v11 DFL, YOLOv5/v7 anchors, YOLOX, SSD):
// what the host-side post-processing needs to decode the NPU's outputs into boxes.

public struct DetectionHead: Codable, Hashable, Sendable {
    public enum MetaArchitecture: String, Codable, Sendable, Hashable, CaseIterable {
        case yolov8, yolov5, yolox, ssd

        public var displayName: String {
            switch self {
            case .yolov8: return "yolov8"
            case .yolov5: return "yolov5"
            case .yolox: return "yolox"
            case .ssd: return "ssd"
            }
        }
    }

    /// The outputs of one detection scale: the end nodes' tensors, by role.
    public struct Branch: Codable, Hashable, Sendable {
        public var stride: Int
        /// Original node names of the head convolutions of this scale, in output order.
        public var boxNode: String
        public var classNode: String
        /// YOLOX only: the objectness convolution.
        public var objectnessNode: String?
        /// Anchors per location for anchor-based heads (YOLOv5, SSD); 0 for anchor-free heads.
        public var anchorCount: Int
        /// Anchor sizes (w, h) in input pixels, when the model holds them (YOLOv5's anchor grid).
        public var anchors: [[Float]]

        public init(stride: Int, boxNode: String, classNode: String, objectnessNode: String? = nil, anchorCount: Int = 0,
                    anchors: [[Float]] = []) {
            self.stride = stride
            self.boxNode = boxNode
            self.classNode = classNode
            self.objectnessNode = objectnessNode
            self.anchorCount = anchorCount
            self.anchors = anchors
        }

        /// The end nodes of this branch in the order the outputs are laid out.
        public var endNodes: [String] {
            if boxNode == classNode { return [boxNode] }
            return [boxNode, classNode] + (objectnessNode.map { [$0] } ?? [])
        }
    }

    public var metaArchitecture: MetaArchitecture
    public var numberOfClasses: Int
    /// DFL bins per box side (YOLOv8/v11); 0 otherwise.
    public var regMax: Int
    /// Class names from the model's metadata, when present (index = class id).
    public var classNames: [String]
    /// Network input size (height, width) the strides refer to.
    public var inputSize: [Int]
    public var branches: [Branch]

    public init(metaArchitecture: MetaArchitecture, numberOfClasses: Int, regMax: Int, classNames: [String],
                inputSize: [Int], branches: [Branch]) {
        self.metaArchitecture = metaArchitecture
        self.numberOfClasses = numberOfClasses
        self.regMax = regMax
        self.classNames = classNames
        self.inputSize = inputSize
        self.branches = branches
    }

    /// All end nodes, branch by branch (box then class), as the parser recommends them.
    public var endNodes: [String] { branches.flatMap(\.endNodes) }
    public var strides: [Int] { branches.map(\.stride) }
}
