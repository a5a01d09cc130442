// The layers a model script may name, and the resolution of layer selectors against them.
// A layer is found by npuc's name (`conv12`), by `network/name`, or by any of its original
// (ONNX) node names (`/model.22/cv2.0/cv2.0.2/Conv`); globs match any of these spellings.
// An unknown name is answered with the closest names of the model.

import NpucGraph

public struct LayerCatalog: Sendable {
    public struct Layer: Hashable, Sendable {
        public var name: String
        public var sourceNames: [String]

        public init(name: String, sourceNames: [String]) {
            self.name = name
            self.sourceNames = sourceNames
        }
    }

    /// The model's name, which scripts may put before a layer name (`yolov8n/conv41`).
    public var networkName: String?
    public private(set) var layers: [Layer]
    private var byName: [String: Int] = [:]
    private var bySourceName: [String: [Int]] = [:]

    public init(layers: [(name: String, sourceNames: [String])], networkName: String? = nil) {
        self.networkName = networkName
        self.layers = []
        for layer in layers { add(Layer(name: layer.name, sourceNames: layer.sourceNames)) }
    }

    /// The layers of a graph: every node, plus the DFC's pseudo-layers for the graph's inputs and
    /// outputs (`input_layer1`, `output_layer1`, … in graph order, whose original names are the
    /// input and output tensor names), which model zoo scripts refer to.
    public init(graph: Graph) {
        var entries: [(name: String, sourceNames: [String])] = []
        for (i, input) in graph.inputs.enumerated() {
            entries.append(("input_layer\(i + 1)", [graph[input].name]))
        }
        for node in graph.nodes { entries.append((node.name, node.sourceNames)) }
        for (i, output) in graph.outputs.enumerated() {
            entries.append(("output_layer\(i + 1)", [graph[output].name]))
        }
        self.init(layers: entries, networkName: graph.name)
    }

    /// Adds a layer (a script's `name = normalization(…)` defines one). A name already present is kept.
    public mutating func add(_ layer: Layer) {
        guard byName[layer.name] == nil else { return }
        let index = layers.count
        layers.append(layer)
        byName[layer.name] = index
        for source in layer.sourceNames where source != layer.name {
            bySourceName[source, default: []].append(index)
        }
    }

    public func contains(name: String) -> Bool { byName[name] != nil }

    /// The outcome of resolving one selector: the npuc layer names it selects (in model order,
    /// without repeats) and what could not be resolved.
    public struct Resolution: Hashable, Sendable {
        public var layers: [String]
        public var problems: [Problem]
    }

    public enum Problem: Hashable, Sendable {
        /// No layer has this name; `suggestions` are the closest names of the model.
        case unknownName(String, suggestions: [String])
        /// The glob matches no layer.
        case emptyGlob(String)
        /// The glob is malformed.
        case badGlob(String, message: String)

        public var message: String {
            switch self {
            case .unknownName(let name, let suggestions):
                let base = "unknown layer '\(name)'"
                return suggestions.isEmpty ? base : base + "; did you mean " + suggestions.map { "'\($0)'" }.joined(separator: ", ") + "?"
            case .emptyGlob(let pattern):
                return "the glob {\(pattern)} matches no layer of the model"
            case .badGlob(_, let message):
                return message
            }
        }
    }

    public func resolve(_ selector: LayerSelector) -> Resolution {
        var indices: [Int] = []
        var problems: [Problem] = []
        collect(selector, &indices, &problems)
        var seen = Set<Int>()
        let ordered = indices.sorted().filter { seen.insert($0).inserted }
        return Resolution(layers: ordered.map { layers[$0].name }, problems: problems)
    }

    private func collect(_ selector: LayerSelector, _ indices: inout [Int], _ problems: inout [Problem]) {
        switch selector {
        case .list(let items):
            for item in items { collect(item, &indices, &problems) }
        case .name(let name):
            if let found = lookup(name) {
                indices.append(contentsOf: found)
            } else {
                problems.append(.unknownName(name, suggestions: suggestions(for: name)))
            }
        case .glob(let pattern):
            switch LayerGlob.compile(pattern) {
            case .failure(let error):
                problems.append(.badGlob(pattern, message: error.message))
            case .success(let glob):
                let hits = layers.indices.filter { i in spellings(of: i).contains { glob.matches($0) } }
                if hits.isEmpty { problems.append(.emptyGlob(pattern)) }
                indices.append(contentsOf: hits)
            }
        }
    }

    /// Every way a script may spell layer `i`.
    private func spellings(of i: Int) -> [String] {
        let layer = layers[i]
        var result = [layer.name]
        if let networkName { result.append("\(networkName)/\(layer.name)") }
        result.append(contentsOf: layer.sourceNames)
        return result
    }

    /// The layers a single name denotes, or nil.
    private func lookup(_ name: String) -> [Int]? {
        if let i = byName[name] { return [i] }
        if let hits = bySourceName[name] { return hits }
        // `network/layer`: the first path component names the model.
        if let slash = name.firstIndex(of: "/"), slash != name.startIndex {
            let prefix = String(name[..<slash])
            let rest = String(name[name.index(after: slash)...])
            if networkName == nil || networkName == prefix {
                if let i = byName[rest] { return [i] }
                if let hits = bySourceName[rest] { return hits }
            }
        }
        return nil
    }

    /// Up to `limit` names of the model closest to `name` (edit distance), closest first.
    public func suggestions(for name: String, limit: Int = 3) -> [String] {
        var query = name
        if let networkName, name.hasPrefix(networkName + "/") {
            query = String(name.dropFirst(networkName.count + 1))
        }
        var candidates = Set<String>()
        for layer in layers {
            candidates.insert(layer.name)
            for source in layer.sourceNames { candidates.insert(source) }
        }
        let threshold = max(2, query.unicodeScalars.count / 2)
        let scored = candidates.compactMap { candidate -> (String, Int)? in
            let d = editDistance(query, candidate)
            return d <= threshold ? (candidate, d) : nil
        }
        return scored.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }.prefix(limit).map(\.0)
    }
}

/// Levenshtein distance over Unicode scalars.
func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var previous = Array(0...y.count)
    var row = [Int](repeating: 0, count: y.count + 1)
    for i in 1...x.count {
        row[0] = i
        for j in 1...y.count {
            let substitution = previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1)
            row[j] = min(previous[j] + 1, row[j - 1] + 1, substitution)
        }
        swap(&previous, &row)
    }
    return previous[y.count]
}
