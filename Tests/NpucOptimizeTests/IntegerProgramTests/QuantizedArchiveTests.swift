// Storing quantized networks in the .npar archive: round trips through bytes are lossless and
// deterministic, the emulator gives the same outputs after a round trip, and damaged sections
// are refused with messages that name the layer or tensor.

import Foundation
import NpucExecutor
import NpucGraph
import NpucIO
import NpucOptimize
import Testing

@Suite("Quantized network archive encoding")
struct QuantizedArchiveTests {
    /// The every-kind network, quantized with ranges from float runs.
    static func network() throws -> QuantizedNetwork {
        let g = try EveryKindNetwork.graph()
        let executor = try FloatExecutor(g, options: .init(kernels: .reference))
        let ranges = try IntegerTestCalibration.ranges(executor, (0..<4).map { ["x": EveryKindNetwork.input(seed: UInt64(300 + $0))] })
        return try Quantizer.quantize(g, ranges: ranges)
    }

    static func archive(with network: QuantizedNetwork) throws -> Archive {
        var archive = Archive(netName: "every-kind", state: .optimized, hwArch: .default, graph: try EveryKindNetwork.graph(), npucVersion: "test")
        try network.store(in: &archive)
        return archive
    }

    @Test("a network with every layer kind survives archive bytes unchanged, and encodes to the same bytes twice")
    func roundTrip() throws {
        let network = try Self.network()
        let bytes = try Self.archive(with: network).encoded()
        #expect(try Self.archive(with: try Self.network()).encoded() == bytes)
        let decoded = try Archive.decode(bytes: bytes, file: "every-kind.npar")
        #expect(decoded.sections["quantization"] != nil)
        #expect(decoded.tensors.keys.allSatisfy { $0.hasPrefix("quantized/") })
        #expect(decoded.tensors["quantized/conv1/weights"]?.dataType == .int8)
        #expect(decoded.tensors["quantized/conv1/epilogue.table"]?.shape == [65536])
        #expect(decoded.tensors["quantized/ew_sub1/operands.1.values"]?.dataType == .uint8)
        let restored = try #require(try QuantizedNetwork.stored(in: decoded))
        #expect(restored == network)
        let input = try network.quantizeInputs(["x": EveryKindNetwork.input(seed: 9)])
        #expect(try IntegerEmulator(restored).run(input) == IntegerEmulator(network).run(input))
    }

    @Test("storing again replaces the previous network's tensors")
    func storeReplaces() throws {
        var archive = try Self.archive(with: try Self.network())
        archive.tensors["quantized/stale/weights"] = Tensor(shape: [1], storage: .int8([1]))
        archive.tensors["other/kept"] = Tensor(shape: [1], float32: [1])
        try Self.network().store(in: &archive)
        #expect(archive.tensors["quantized/stale/weights"] == nil)
        #expect(archive.tensors["other/kept"] != nil)
        #expect(try QuantizedNetwork.stored(in: Archive(netName: "n", state: .parsed, hwArch: .default, graph: Graph(name: "g"), npucVersion: "t")) == nil)
    }

    /// Decodes after `damage` edits the section's JSON object or the tensors; returns the error.
    static func damaged(_ damage: (inout [String: Any], inout [String: Tensor]) -> Void) throws -> String? {
        let (json, tensors) = try Self.network().encoded()
        var object = try #require(try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any])
        var t = tensors
        damage(&object, &t)
        let bytes = try JSONSerialization.data(withJSONObject: object)
        do {
            _ = try QuantizedNetwork.decode(json: Array(bytes), tensors: t)
            return nil
        } catch {
            return error.message
        }
    }

    static func editLayer(_ object: inout [String: Any], _ name: String, _ edit: (inout [String: Any]) -> Void) {
        var layers = object["layers"] as! [[String: Any]]
        let i = layers.firstIndex { $0["name"] as? String == name }!
        edit(&layers[i])
        object["layers"] = layers
    }

    @Test("damaged sections are refused naming the layer or tensor")
    func validation() throws {
        let missingTensor = try Self.damaged { _, t in t["quantized/conv2/weights"] = nil }
        #expect(missingTensor?.contains("quantized/conv2/weights") == true, "\(missingTensor ?? "accepted")")
        let wrongType = try Self.damaged { _, t in t["quantized/conv2/weights"] = Tensor(shape: [8, 1, 3, 3], float32: [Float](repeating: 0, count: 72)) }
        #expect(wrongType?.contains("conv2") == true && wrongType?.contains("float32") == true, "\(wrongType ?? "accepted")")
        let wrongShape = try Self.damaged { _, t in t["quantized/conv2/bias"] = Tensor(shape: [3], storage: .int32([0, 0, 0])) }
        #expect(wrongShape?.contains("conv2") == true, "\(wrongShape ?? "accepted")")
        let badShift = try Self.damaged { o, _ in
            Self.editLayer(&o, "fc1") { layer in
                var a = layer["attributes"] as! [String: Any], e = a["epilogue"] as! [String: Any]
                e["multipliers"] = [["m": 1 << 30, "s": 70]]
                a["epilogue"] = e
                layer["attributes"] = a
            }
        }
        #expect(badShift?.contains("fc1") == true && badShift?.contains("70") == true, "\(badShift ?? "accepted")")
        let undefined = try Self.damaged { o, _ in Self.editLayer(&o, "concat1") { $0["inputs"] = ["resize1_out0", "nowhere"] } }
        #expect(undefined?.contains("nowhere") == true, "\(undefined ?? "accepted")")
        let unknownKind = try Self.damaged { o, _ in Self.editLayer(&o, "pad1") { $0["kind"] = "warp" } }
        #expect(unknownKind?.contains("warp") == true, "\(unknownKind ?? "accepted")")
        let badDomain = try Self.damaged { o, _ in
            var values = o["values"] as! [String: Any], v = values["x"] as! [String: Any], d = v["domain"] as! [String: Any]
            d["zeroPoint"] = 300
            v["domain"] = d
            values["x"] = v
            o["values"] = values
        }
        #expect(badDomain?.contains("'x'") == true, "\(badDomain ?? "accepted")")
        let overflow = try Self.damaged { _, t in
            t["quantized/conv1/bias"] = Tensor(shape: [8], storage: .int32([Int32](repeating: Int32.max - 10, count: 8)))
        }
        #expect(overflow?.contains("conv1") == true && overflow?.contains("32-bit") == true, "\(overflow ?? "accepted")")
        let newer = try Self.damaged { o, _ in o["formatVersion"] = 99 }
        #expect(newer?.contains("upgrade npuc") == true, "\(newer ?? "accepted")")
    }

    @Test("the emulator refuses inputs of the wrong type, shape or name")
    func emulatorInputs() throws {
        let network = try Self.network()
        let emulator = try IntegerEmulator(network)
        let good = try network.quantizeInputs(["x": EveryKindNetwork.input(seed: 1)])
        #expect(throws: IntegerEmulatorError.self) { try emulator.run(["x": EveryKindNetwork.input(seed: 1)]) }
        #expect(throws: IntegerEmulatorError.self) { try emulator.run(["x": good["x"]!.reshaped([3, 12, 12])]) }
        #expect(throws: IntegerEmulatorError.self) { try emulator.run(["x": good["x"]!, "y": good["x"]!]) }
        #expect(throws: IntegerEmulatorError.self) { try emulator.run([:]) }
        var observed = [String]()
        _ = try emulator.run(good) { name, tensor in
            observed.append(name)
            #expect(tensor.shape == network.values[name]?.shape && tensor.dataType == network.values[name]?.domain.dataType)
        }
        #expect(observed == ["x"] + network.layers.flatMap(\.outputs))
    }
}
