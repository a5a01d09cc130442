// An opened calibration source, checked against the graph input: hands out one graph input at a
// time (a batch of `rowsPerRun` samples when the input's batch axis is larger than 1), converted
// to the input's layout (NHWC → NCHW) and element type (uint8 → float32), with NaN/Inf refused
// by sample index. Only the samples asked for are read, so memory stays bounded by a batch.

import NpucGraph
import NpucIO

public final class CalibrationSamples: Sendable {
    enum Reader: Sendable {
        case tensor(Tensor)
        case npy(NpyFile, TemporaryFolder?)
        case random(seed: UInt64, range: ClosedRange<Float>)
    }

    /// The file, folder or tensor name, for messages.
    public let source: String
    public let inputName: String
    public let inputType: TensorType
    /// Graph runs available: samples used ÷ the input's batch size.
    public let count: Int
    /// Samples per run (the graph input's batch size).
    public let rowsPerRun: Int
    /// Samples used (`count × rowsPerRun`).
    public var sampleCount: Int { count * rowsPerRun }
    /// Things the user should know (skipped images, unused trailing samples).
    public let warnings: [String]
    let layout: CalibrationData.Layout
    let reader: Reader

    init(source: String, inputName: String, inputType: TensorType, rows: Int, limit: Int?, layout: CalibrationData.Layout,
         reader: Reader, warnings: [String] = []) throws(CalibrationError) {
        guard rows > 0 else { throw .empty(source: source) }
        self.source = source
        self.inputName = inputName
        self.inputType = inputType
        self.layout = layout
        self.reader = reader
        rowsPerRun = inputType.shape[0]
        let used = min(rows, limit ?? rows)
        count = used / rowsPerRun
        guard count > 0 else {
            throw .inputs("\(source) holds \(used) sample\(used == 1 ? "" : "s") but input '\(inputName)' takes \(rowsPerRun) per run; "
                + "give at least \(rowsPerRun)")
        }
        var notes = warnings
        if used % rowsPerRun != 0 {
            notes.append("the last \(used % rowsPerRun) of \(used) samples are not used: input '\(inputName)' takes \(rowsPerRun) per run")
        }
        self.warnings = notes
    }

    /// Elements of one sample.
    var sampleElementCount: Int { inputType.shape.dropFirst().reduce(1, *) }

    /// The graph input for run `run` (samples `run × rowsPerRun ..< (run + 1) × rowsPerRun`).
    public func input(_ run: Int) throws(CalibrationError) -> Tensor {
        precondition(run >= 0 && run < count, "calibration run \(run) out of 0..<\(count)")
        let per = sampleElementCount
        var values = [Float](repeating: 0, count: per * rowsPerRun)
        let failure: CalibrationError? = values.withUnsafeMutableBufferPointer { out -> CalibrationError? in
            for r in 0..<rowsPerRun {
                let row = run * rowsPerRun + r
                let destination = UnsafeMutableBufferPointer(rebasing: out[(r * per)..<((r + 1) * per)])
                do throws(CalibrationError) {
                    try fill(row: row, into: destination)
                } catch {
                    return error
                }
                for v in destination where !v.isFinite { return .nonFiniteSample(source: source, sample: row) }
            }
            return nil
        }
        if let failure { throw failure }
        switch inputType.dataType {
        case .float64: return Tensor(shape: inputType.shape, storage: .float64(values.map(Double.init)))
        case .float16: return Tensor(shape: inputType.shape, storage: .float16Bits(values.map(HalfFloat.fromFloat)))
        default: return Tensor(shape: inputType.shape, float32: values)
        }
    }

    // MARK: Reading one sample

    private func fill(row: Int, into out: UnsafeMutableBufferPointer<Float>) throws(CalibrationError) {
        let per = out.count
        switch reader {
        case .tensor(let tensor):
            Self.convert(tensor.storage, elements: (row * per)..<((row + 1) * per), into: out, layout: layout, inputType: inputType)
        case .npy(let file, _):
            let fast: Bool? = file.withRawRows(row..<(row + 1)) { raw -> Bool in
                switch file.dataType {
                case .uint8:
                    Self.permute(raw.bindMemory(to: UInt8.self), into: out, layout: layout, inputType: inputType) { Float($0) }
                    return true
                case .float32 where file.header.byteOrder == .little && Self.isLittleEndian
                    && Int(bitPattern: raw.baseAddress) % MemoryLayout<Float>.alignment == 0:
                    Self.permute(raw.bindMemory(to: Float.self), into: out, layout: layout, inputType: inputType) { $0 }
                    return true
                default:
                    return false
                }
            }
            if fast != true {
                // Other element types or byte orders: NpyFile converts the row to native order.
                let tensor: Tensor
                do {
                    tensor = try file.rows(row..<(row + 1))
                } catch {
                    throw .unreadable(source: source, message: error.description)
                }
                Self.convert(tensor.storage, elements: 0..<per, into: out, layout: layout, inputType: inputType)
            }
        case .random(let seed, let range):
            var generator = SampleGenerator(seed: seed, sample: row)
            let lo = range.lowerBound, width = range.upperBound - range.lowerBound
            for i in out.indices { out[i] = lo + width * generator.nextUnit() }
        }
    }

    private static let isLittleEndian: Bool = {
        #if _endian(little)
        return true
        #else
        return false
        #endif
    }()

    /// Elements `elements` of `storage` (one sample in the source layout) into `out` in NCHW.
    static func convert(_ storage: TensorStorage, elements: Range<Int>, into out: UnsafeMutableBufferPointer<Float>,
                        layout: CalibrationData.Layout, inputType: TensorType) {
        func run<T>(_ array: [T], _ f: (T) -> Float) {
            array.withUnsafeBufferPointer { all in
                permute(UnsafeBufferPointer(rebasing: all[elements]), into: out, layout: layout, inputType: inputType, f)
            }
        }
        switch storage {
        case .float32(let a): run(a) { $0 }
        case .uint8(let a): run(a) { Float($0) }
        case .float64(let a): run(a) { Float($0) }
        case .float16Bits(let a): run(a) { HalfFloat.toFloat($0) }
        case .int8(let a): run(a) { Float($0) }
        case .int16(let a): run(a) { Float($0) }
        case .uint16(let a): run(a) { Float($0) }
        case .int32(let a): run(a) { Float($0) }
        case .uint32(let a): run(a) { Float($0) }
        case .int64(let a): run(a) { Float($0) }
        case .uint64(let a): run(a) { Float($0) }
        case .bool(let a): run(a) { $0 ? 1 : 0 }
        }
    }

    /// Copies one sample, transposing H×W×C to C×H×W when the layout is NHWC.
    @inline(__always)
    static func permute<T>(_ source: UnsafeBufferPointer<T>, into out: UnsafeMutableBufferPointer<Float>,
                           layout: CalibrationData.Layout, inputType: TensorType, _ f: (T) -> Float) {
        let count = min(source.count, out.count)
        guard layout == .nhwc, inputType.rank == 4 else {
            for i in 0..<count { out[i] = f(source[i]) }
            return
        }
        let channels = inputType.shape[1]
        let plane = count / channels
        guard let src = source.baseAddress, let dst = out.baseAddress else { return }
        for c in 0..<channels {
            let target = dst + c * plane
            var s = src + c
            for p in 0..<plane {
                target[p] = f(s.pointee)
                s += channels
            }
        }
    }
}

/// Uniform floats for random sample `sample`: SplitMix64 seeded by the data seed and the sample
/// index, so every sample is the same whichever thread draws it and in whatever order.
struct SampleGenerator {
    private var state: UInt64

    init(seed: UInt64, sample: Int) {
        state = seed ^ (UInt64(truncatingIfNeeded: sample) &* 0xD1B5_4A32_D192_ED03)
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// In [0, 1), 24 random bits.
    mutating func nextUnit() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }
}
