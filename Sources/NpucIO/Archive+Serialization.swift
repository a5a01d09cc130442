// Encoding and decoding of the `.npar` archive: graph.json (sorted keys, values referenced by
// name) and the `.npy` members, in a fixed order so the same archive is the same bytes.

import Foundation
import NpucGraph

// MARK: - graph.json schema

struct ArchiveManifest: Codable {
    struct ValueEntry: Codable {
        var name: String
        var dtype: DataType
        var shape: [Int]
        /// Member holding the tensor when the value is a constant.
        var constant: String?
    }
    struct NodeEntry: Codable {
        var name: String
        var source: [String]
        var op: Op
        var inputs: [String]
        var outputs: [String]
    }
    struct GraphEntry: Codable {
        var name: String
        var inputs: [String]
        var outputs: [String]
        var values: [ValueEntry]
        var nodes: [NodeEntry]
    }

    var format: String
    var formatVersion: Int
    var npucVersion: String
    var netName: String
    var state: ArchiveState
    var hwArch: HardwareArch
    var graph: GraphEntry
    var head: DetectionHead?
    var metadata: [String: String]
    var sections: [String]
    var tensors: [String: String]
}

extension Archive {
    static let manifestMember = "graph.json"

    /// Zip member name for a tensor: "params/0003_model.0.conv.weight.npy".
    static func memberName(index: Int, valueName: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        var cleaned = String(valueName.map { allowed.contains($0) ? $0 : "_" })
        while cleaned.hasPrefix("_") || cleaned.hasPrefix(".") { cleaned.removeFirst() }
        let number = String(index)
        return "params/" + String(repeating: "0", count: max(0, 4 - number.count)) + number + (cleaned.isEmpty ? "" : "_" + cleaned) + ".npy"
    }

    /// The archive's bytes.
    public func encoded() -> [UInt8] {
        var zip = ZipWriter()
        var values = [ArchiveManifest.ValueEntry]()
        var members = [(String, Tensor)]()
        for (i, v) in graph.values.enumerated() {
            var entry = ArchiveManifest.ValueEntry(name: v.name, dtype: v.type.dataType, shape: v.type.shape, constant: nil)
            if let t = graph.constants[ValueID(i)] {
                let member = Self.memberName(index: members.count, valueName: v.name)
                entry.constant = member
                members.append((member, t))
            }
            values.append(entry)
        }
        let nodes = graph.nodes.map { n in
            ArchiveManifest.NodeEntry(name: n.name, source: n.sourceNames, op: n.op, inputs: n.inputs.map { graph[$0].name },
                                      outputs: n.outputs.map { graph[$0].name })
        }
        let tensorMembers = Dictionary(uniqueKeysWithValues: tensors.keys.map { ($0, "tensors/\($0).npy") })
        let manifest = ArchiveManifest(
            format: Self.formatName, formatVersion: Self.formatVersion, npucVersion: npucVersion, netName: netName,
            state: state, hwArch: hwArch,
            graph: .init(name: graph.name, inputs: graph.inputs.map { graph[$0].name }, outputs: graph.outputs.map { graph[$0].name },
                         values: values, nodes: nodes),
            head: head, metadata: metadata, sections: sections.keys.sorted(), tensors: tensorMembers)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        // Encoding plain Codable values with finite numbers cannot fail.
        let json = (try? encoder.encode(manifest)) ?? Data()
        zip.add(name: Self.manifestMember, bytes: Array(json), deflate: true)
        for key in sections.keys.sorted() {
            zip.add(name: "\(key).json", bytes: sections[key]!, deflate: true)
        }
        for (member, tensor) in members {
            zip.add(name: member, bytes: NumPy.encode(tensor))
        }
        for key in tensors.keys.sorted() {
            zip.add(name: tensorMembers[key]!, bytes: NumPy.encode(tensors[key]!))
        }
        return zip.finish()
    }

    /// Writes the archive atomically (a temporary file renamed into place).
    public func write(to url: URL) throws(FileWriteError) {
        try AtomicFile.write(encoded(), to: url)
    }

    public static func read(contentsOf url: URL) throws(ArchiveError) -> Archive {
        let file = url.relativePath
        let zip: ZipReader
        do {
            zip = try ZipReader(contentsOf: url)
        } catch {
            throw ArchiveError(file: file, "not an npuc archive (\(error.problemDescription)); create one with `npuc parser onnx MODEL.onnx`")
        }
        return try decode(zip, file: file)
    }

    public static func decode(bytes: [UInt8], file: String) throws(ArchiveError) -> Archive {
        do {
            return try decode(try ZipReader(bytes: bytes, source: file), file: file)
        } catch let error as ArchiveError {
            throw error
        } catch {
            throw ArchiveError(file: file, "not an npuc archive (\(error))")
        }
    }

    static func decode(_ zip: ZipReader, file: String) throws(ArchiveError) -> Archive {
        func member(_ name: String) throws(ArchiveError) -> [UInt8] {
            guard zip.entry(named: name) != nil else { throw ArchiveError(file: file, "member '\(name)' is missing; the archive is damaged") }
            do { return try zip.read(name) } catch { throw ArchiveError(file: file, "member '\(name)': \(error.problemDescription)") }
        }
        guard zip.entry(named: manifestMember) != nil else {
            throw ArchiveError(file: file, "has no graph.json; it is a zip file but not an npuc archive")
        }
        let manifest: ArchiveManifest
        do {
            manifest = try JSONDecoder().decode(ArchiveManifest.self, from: Data(try member(manifestMember)))
        } catch let error as ArchiveError {
            throw error
        } catch {
            throw ArchiveError(file: file, "graph.json does not decode (\(error)); the archive is damaged or from an incompatible npuc")
        }
        guard manifest.format == formatName else { throw ArchiveError(file: file, "graph.json is not an npuc archive manifest") }
        guard manifest.formatVersion <= formatVersion else {
            throw ArchiveError(file: file, "archive format version \(manifest.formatVersion) is newer than this npuc reads (\(formatVersion)); upgrade npuc (the archive was written by npuc \(manifest.npucVersion))")
        }
        var graph = Graph(name: manifest.graph.name)
        var ids = [String: ValueID]()
        for v in manifest.graph.values {
            guard ids[v.name] == nil else { throw ArchiveError(file: file, "value '\(v.name)' is listed twice") }
            let id: ValueID
            if let m = v.constant {
                let tensor: Tensor
                do { tensor = try NumPy.decode(try member(m), source: "\(file)#\(m)") } catch let e as ArchiveError { throw e } catch {
                    throw ArchiveError(file: file, "\(error)")
                }
                guard tensor.shape == v.shape, tensor.dataType == v.dtype else {
                    throw ArchiveError(file: file, "member '\(m)' holds \(TensorType(tensor.dataType, tensor.shape)) but graph.json declares \(TensorType(v.dtype, v.shape))")
                }
                id = graph.addConstant(name: v.name, tensor: tensor)
            } else {
                guard ShapeArithmetic.elementCount(v.shape) != nil else {
                    throw ArchiveError(file: file, "value '\(v.name)' has an invalid shape \(v.shape)")
                }
                id = graph.addValue(name: v.name, type: TensorType(v.dtype, v.shape))
            }
            ids[v.name] = id
        }
        func resolve(_ name: String, in context: String) throws(ArchiveError) -> ValueID {
            guard let id = ids[name] else { throw ArchiveError(file: file, "\(context) refers to unknown value '\(name)'") }
            return id
        }
        graph.inputs = try manifest.graph.inputs.map { n throws(ArchiveError) in try resolve(n, in: "graph inputs") }
        graph.outputs = try manifest.graph.outputs.map { n throws(ArchiveError) in try resolve(n, in: "graph outputs") }
        for n in manifest.graph.nodes {
            let inputs = try n.inputs.map { v throws(ArchiveError) in try resolve(v, in: "node '\(n.name)'") }
            let outputs = try n.outputs.map { v throws(ArchiveError) in try resolve(v, in: "node '\(n.name)'") }
            graph.nodes.append(Node(name: n.name, sourceNames: n.source, op: n.op, inputs: inputs, outputs: outputs))
        }
        do {
            try graph.verify()
        } catch {
            throw ArchiveError(file: file, "the graph is inconsistent: \(error.message)")
        }
        var sections = [String: [UInt8]]()
        for key in manifest.sections { sections[key] = try member("\(key).json") }
        var tensors = [String: Tensor]()
        for (key, m) in manifest.tensors {
            do { tensors[key] = try NumPy.decode(try member(m), source: "\(file)#\(m)") } catch let e as ArchiveError { throw e } catch {
                throw ArchiveError(file: file, "\(error)")
            }
        }
        return Archive(netName: manifest.netName, state: manifest.state, hwArch: manifest.hwArch, graph: graph,
                       head: manifest.head, metadata: manifest.metadata, sections: sections, tensors: tensors,
                       npucVersion: manifest.npucVersion)
    }
}

extension ZipError {
    /// The problem without the file name (the archive error names the file once).
    var problemDescription: String {
        let text = description
        let prefix = "\(source): "
        return text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : text
    }
}
