// The emulator's fast 2-D max pooling, bit-identical to ReferenceKernels.maxPool: the maximum
// over a rectangle of integers is the maximum over its rows of each row's maximum, so each output
// row takes the column-window maxima of the input rows its window covers (computed once per
// input row), then the maximum of those. Taps outside the input are skipped as in the reference,
// and a window with no tap inside the input gives the output zero point.

import NpucGraph

enum FastPooling {
    /// Max pooling of a rank-4 (N, C, H, W) value; nil for other ranks (the reference handles them).
    static func maxPool2D(_ a: Pooling, x: IntValue, output: QuantizedValueInfo) -> [Int32]? {
        guard x.shape.count == 4, output.shape.count == 4, a.kernelShape.count == 2 else { return nil }
        let planes = x.shape[0] * x.shape[1]
        let inH = x.shape[2], inW = x.shape[3], outH = output.shape[2], outW = output.shape[3]
        // Each output position's taps inside the input, per axis (the reference's windows).
        let rows = (0..<outH).map { ReferenceKernels.poolWindow(a, axis: 0, output: $0, inputLength: inH).filter { $0 >= 0 && $0 < inH } }
        let columns = (0..<outW).map { ReferenceKernels.poolWindow(a, axis: 1, output: $0, inputLength: inW).filter { $0 >= 0 && $0 < inW } }
        let zero = Int32(output.domain.zeroPoint)
        var result = [Int32](repeating: zero, count: planes * outH * outW)
        var rowMaxima = [Int32](repeating: 0, count: inH * outW)
        x.data.withUnsafeBufferPointer { input in
            result.withUnsafeMutableBufferPointer { out in
                for plane in 0..<planes {
                    let source = input.baseAddress! + plane * inH * inW
                    // rowMaxima[y, ox] = max of input row y over output column ox's window.
                    for y in 0..<inH {
                        let row = source + y * inW
                        for ox in 0..<outW {
                            let taps = columns[ox]
                            guard let first = taps.first else { continue }
                            var m = row[first]
                            for t in taps.dropFirst() { m = Swift.max(m, row[t]) }
                            rowMaxima[y * outW + ox] = m
                        }
                    }
                    let destination = out.baseAddress! + plane * outH * outW
                    for oy in 0..<outH {
                        guard let firstRow = rows[oy].first else { continue }
                        let target = destination + oy * outW
                        for ox in 0..<outW where !columns[ox].isEmpty {
                            var m = rowMaxima[firstRow * outW + ox]
                            for y in rows[oy].dropFirst() { m = Swift.max(m, rowMaxima[y * outW + ox]) }
                            target[ox] = m
                        }
                    }
                }
            }
        }
        return result
    }
}
