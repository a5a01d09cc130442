// Recognizes detection heads by structure (not by node names) in the whole ONNX graph, so the
// parser can name the convolutions to end at and store what the host post-processing needs.
// Each architecture has its own file: YOLOv8Head, YOLOv5Head, YOLOXHead, SSDHead.

import NpucGraph

/// What head recognizers see: the raw graph plus the static shapes known after mapping.
struct HeadSearchContext {
    let model: ONNXModel
    let topology: ONNXTopology
    /// Static shape of a tensor, when known.
    let shapeOf: (String) -> [Int]?
    /// Network input height and width.
    let inputSize: [Int]

    var nodes: [ONNXNode] { model.nodes }

    func producer(_ tensor: String) -> Int? { topology.producer[tensor] }
    func consumers(_ tensor: String) -> [Int] { topology.consumers[tensor] ?? [] }

    /// Output channels of a Conv node (from its constant weights).
    func outputChannels(ofConv i: Int) -> Int? {
        let node = nodes[i]
        guard node.opType == "Conv", node.inputs.count >= 2, let w = model.initializers[node.inputs[1]], w.rank >= 3 else { return nil }
        return w.shape[0]
    }

    /// Spatial size (H, W) of a node's first output.
    func spatialSize(ofNode i: Int) -> [Int]? {
        guard let out = nodes[i].outputs.first, let shape = shapeOf(out), shape.count == 4 else { return nil }
        return [shape[2], shape[3]]
    }

    func stride(forSpatial size: [Int]) -> Int? {
        guard inputSize.count == 2, size.count == 2, size[0] > 0, size[1] > 0,
              inputSize[0] % size[0] == 0, inputSize[0] / size[0] == inputSize[1] / max(size[1], 1) else { return nil }
        return inputSize[0] / size[0]
    }

    /// Conv nodes reached walking upstream from `tensors` through non-Conv nodes; nodes in
    /// `transparent` (e.g. a DFL convolution) are walked through. In discovery order.
    func upstreamConvs(from tensors: [String], transparent: Set<Int> = []) -> [Int] {
        var found = [Int]()
        var seenNodes = Set<Int>()
        var queue = tensors
        var index = 0
        while index < queue.count {
            let tensor = queue[index]
            index += 1
            guard let p = producer(tensor), seenNodes.insert(p).inserted else { continue }
            let node = nodes[p]
            if node.opType == "Conv" && !transparent.contains(p) {
                found.append(p)
                continue
            }
            queue += node.inputs.filter { !$0.isEmpty && model.initializers[$0] == nil }
        }
        return found
    }

    /// The first node downstream of `tensor` (breadth first) satisfying `predicate`, within `limit` steps.
    func downstream(from tensor: String, limit: Int = 12, where predicate: (Int) -> Bool) -> Int? {
        var frontier = [tensor]
        var seen = Set<Int>()
        for _ in 0..<limit {
            var next = [String]()
            for t in frontier {
                for c in consumers(t) where seen.insert(c).inserted {
                    if predicate(c) { return c }
                    next += nodes[c].outputs.filter { !$0.isEmpty }
                }
            }
            if next.isEmpty { return nil }
            frontier = next
        }
        return nil
    }

    /// Class names from Ultralytics-style metadata (`names`: "{0: 'person', 1: 'bicycle'}").
    func classNames(count: Int) -> [String] {
        guard let text = model.metadata["names"] else { return [] }
        let parsed = ClassNamesParser.parse(text)
        let names = (0..<count).compactMap { parsed[$0] }
        return names.count == count ? names : []
    }
}

enum HeadRecognition {
    /// The first head recognized, trying the most specific structures first.
    static func recognize(_ context: HeadSearchContext) -> DetectionHead? {
        YOLOv8Head.recognize(context) ?? YOLOv5Head.recognize(context) ?? YOLOXHead.recognize(context)
            ?? SSDHead.recognize(context)
    }

    /// The parser's note about a recognized head.
    static func message(for head: DetectionHead) -> String {
        var details = ["\(head.numberOfClasses) classes", "strides \(head.strides.map(String.init).joined(separator: ", "))"]
        if head.regMax > 0 { details.insert("DFL reg_max \(head.regMax)", at: 0) }
        if head.branches[0].anchorCount > 0 { details.append("\(head.branches[0].anchorCount) anchors per location") }
        return "NMS structure of \(head.metaArchitecture.displayName) (or an equivalent architecture) detected (\(details.joined(separator: ", "))). "
            + "Box decoding and NMS do not run on the NPU: npuc's runtime does them on the host from the head convolutions' outputs."
    }
}

/// Parses a Python dict literal of int → quoted string, as Ultralytics writes class names.
enum ClassNamesParser {
    static func parse(_ text: String) -> [Int: String] {
        var result = [Int: String]()
        let chars = Array(text)
        var i = 0
        func skipSpaces() { while i < chars.count, chars[i].isWhitespace { i += 1 } }
        while i < chars.count {
            // Key: an integer.
            while i < chars.count, !chars[i].isNumber { i += 1 }
            var digits = ""
            while i < chars.count, chars[i].isNumber { digits.append(chars[i]); i += 1 }
            guard let key = Int(digits) else { break }
            skipSpaces()
            guard i < chars.count, chars[i] == ":" else { break }
            i += 1
            skipSpaces()
            guard i < chars.count, chars[i] == "'" || chars[i] == "\"" else { break }
            let quote = chars[i]
            i += 1
            var value = ""
            while i < chars.count, chars[i] != quote {
                if chars[i] == "\\", i + 1 < chars.count { i += 1 }
                value.append(chars[i])
                i += 1
            }
            i += 1
            result[key] = value
        }
        return result
    }
}
