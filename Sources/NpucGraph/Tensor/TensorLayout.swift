// Layout changes of whole tensors that several stages need (e.g. image sets stored N×H×W×C fed to
// networks that take N×C×H×W).

extension Tensor {
    /// This rank-4 N×H×W×C tensor as N×C×H×W float32 (any numeric element type is converted).
    public func nhwcToNCHWFloats() -> Tensor {
        precondition(shape.count == 4, "nhwcToNCHWFloats needs a rank-4 tensor, got \(shape)")
        let (n, h, w, c) = (shape[0], shape[1], shape[2], shape[3])
        let source = floats
        var out = [Float](repeating: 0, count: source.count)
        for b in 0..<n {
            for y in 0..<h {
                for x in 0..<w {
                    for k in 0..<c { out[((b * c + k) * h + y) * w + x] = source[((b * h + y) * w + x) * c + k] }
                }
            }
        }
        return Tensor(shape: [n, c, h, w], float32: out)
    }
}
