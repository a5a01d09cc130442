// Max pooling over 2-D windows as two 1-D passes (rows, then columns). The maximum ignores NaN
// and ranks +0 above −0, so it is order-independent and the two passes give exactly the
// reference's single-window result.

public struct Pool2DGeometry: Sendable, Hashable {
    public var planes: Int
    public var inputHeight: Int, inputWidth: Int, outputHeight: Int, outputWidth: Int
    public var kernelHeight: Int, kernelWidth: Int, strideY: Int, strideX: Int
    public var dilationY: Int, dilationX: Int, padTop: Int, padLeft: Int

    public init(planes: Int, inputHeight: Int, inputWidth: Int, outputHeight: Int, outputWidth: Int,
                kernelHeight: Int, kernelWidth: Int, strideY: Int, strideX: Int, dilationY: Int, dilationX: Int,
                padTop: Int, padLeft: Int) {
        self.planes = planes
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
        self.outputHeight = outputHeight
        self.outputWidth = outputWidth
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideY = strideY
        self.strideX = strideX
        self.dilationY = dilationY
        self.dilationX = dilationX
        self.padTop = padTop
        self.padLeft = padLeft
    }
}

public enum PoolingKernels {
    @_transparent
    public static func maximum(_ a: Float, _ b: Float) -> Float {
        if a.isNaN { return b }
        if b.isNaN { return a }
        if a == b { return a.sign == .plus ? a : b }
        return a > b ? a : b
    }

    /// `maximum` on 8 lanes, lane for lane identical to the scalar form: NaN lanes take the other
    /// operand, then the larger in IEEE total order (which ranks +0 above −0) wins.
    @_transparent
    public static func maximum(_ a: Float8, _ b: Float8) -> Float8 {
        let an = a.replacing(with: b, where: a .!= a)
        let bn = b.replacing(with: an, where: b .!= b)
        return an.replacing(with: bn, where: orderKey(bn) .> orderKey(an))
    }

    /// Integers ordered as the floats are in IEEE total order (−0 just below +0).
    @_transparent
    public static func orderKey(_ x: Float8) -> SIMD8<Int32> {
        let i = unsafeBitCast(x, to: SIMD8<Int32>.self)
        return i ^ ((i &>> 31) & 0x7FFF_FFFF)
    }

    /// Max pooling of `planes` planes; `scratch` must hold planes × inputHeight × outputWidth floats.
    public static func maxPool2D(_ g: Pool2DGeometry, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                 scratch: UnsafeMutablePointer<Float>) {
        let inPlane = g.inputHeight * g.inputWidth, outPlane = g.outputHeight * g.outputWidth
        let rowsPlane = g.inputHeight * g.outputWidth
        let parts = Parallel.partCount(work: g.planes * (inPlane + outPlane) * g.kernelWidth, minimumPerPart: 1 << 14)
        Parallel.forRanges(g.planes, parts: parts) { range in
            for p in range {
                let src = input + p * inPlane, rows = scratch + p * rowsPlane, dst = output + p * outPlane
                // Output columns whose taps all lie inside the row (stride 1): 8 at a time.
                let interiorStart = g.strideX == 1 ? min(g.outputWidth, g.padLeft) : g.outputWidth
                let interiorEnd = g.strideX == 1
                    ? max(interiorStart, min(g.outputWidth, g.inputWidth - (g.kernelWidth - 1) * g.dilationX + g.padLeft)) : g.outputWidth
                for y in 0..<g.inputHeight {
                    let line = src + y * g.inputWidth, out = rows + y * g.outputWidth
                    var vectorEnd = interiorStart
                    while vectorEnd + 8 <= interiorEnd {
                        let base = UnsafeRawPointer(line + vectorEnd - g.padLeft)
                        var m = base.loadUnaligned(as: Float8.self)
                        for kx in 1..<max(1, g.kernelWidth) {
                            m = maximum(m, base.loadUnaligned(fromByteOffset: kx * g.dilationX * 4, as: Float8.self))
                        }
                        UnsafeMutableRawPointer(out + vectorEnd).storeBytes(of: m, as: Float8.self)
                        vectorEnd += 8
                    }
                    for ox in 0..<g.outputWidth where ox < interiorStart || ox >= vectorEnd {
                        var m = Float.nan
                        var x = ox * g.strideX - g.padLeft
                        for _ in 0..<g.kernelWidth {
                            if x >= 0 && x < g.inputWidth { m = maximum(m, line[x]) }
                            x += g.dilationX
                        }
                        out[ox] = m
                    }
                }
                for oy in 0..<g.outputHeight {
                    let out = dst + oy * g.outputWidth
                    for ox in 0..<g.outputWidth { out[ox] = .nan }
                    var y = oy * g.strideY - g.padTop
                    for _ in 0..<g.kernelHeight {
                        if y >= 0 && y < g.inputHeight {
                            let line = UnsafeRawPointer(rows + y * g.outputWidth), o = UnsafeMutableRawPointer(out)
                            var ox = 0
                            while ox + 8 <= g.outputWidth {
                                let a = o.loadUnaligned(fromByteOffset: ox * 4, as: Float8.self)
                                let b = line.loadUnaligned(fromByteOffset: ox * 4, as: Float8.self)
                                o.storeBytes(of: maximum(a, b), toByteOffset: ox * 4, as: Float8.self)
                                ox += 8
                            }
                            while ox < g.outputWidth {
                                out[ox] = maximum(out[ox], (rows + y * g.outputWidth)[ox])
                                ox += 1
                            }
                        }
                        y += g.dilationY
                    }
                }
            }
        }
    }
}
