// Data-driven weight rounding: integers for a layer's weights chosen by their effect on the
// layer's output on calibration data, not weight by weight. The integer layer reads x̃, its input
// as the integer network computes it (with the quantization noise of every layer before); the
// output error of a row's weight error e is eᵀ H̃ e with H̃ = Σ x̃ x̃ᵀ. The columns are rounded one
// at a time (largest H̃ diagonal first) and each column's rounding error is compensated in the
// columns not yet rounded through the upper Cholesky factor U of H̃⁻¹ (w_j −= e_i · U[i, j] /
// U[i, i]) — the optimal-brain-quantization update (Frantar et al., "GPTQ", 2022). Because H̃ is
// measured on the integer network's inputs, the compensation avoids directions where the
// upstream noise is strong (with the float network's inputs instead, YOLOv8n got worse end to
// end). Trailing "free" columns (the bias, against an input of constant 1) are never rounded and
// absorb what is left. Scales stay fixed per row, so the integer grid is the one
// docs/QUANTIZATION.md defines; only the choice of integers changes. H̃ is damped by `damping`
// times its mean diagonal. Double precision; deterministic.

import Foundation

public enum OptimalRounding {
    public struct Rows: Sendable, Hashable {
        /// [rows × rounded columns], in the input's column order.
        public var integers: [Int32]
        /// [rows × free columns]: the free columns' final values.
        public var free: [Double]
    }

    /// Rounds a [rows × columns] weight matrix (row-major; one row per output channel; the last
    /// `freeColumns` columns are not rounded). Plain rounding would be round-half-away(w / scales[row])
    /// clamped to ±maxMagnitude. `gram` is H̃, [columns × columns]. Returns nil when H̃ cannot be
    /// factored even after raising the damping (the caller keeps plain rounding).
    public static func round(weights: [Double], rows: Int, columns k: Int, freeColumns: Int = 0, scales: [Double],
                             maxMagnitude: Int32, gram: [Double], damping: Double = 0.01) -> Rows? {
        precondition(weights.count == rows * k && gram.count == k * k && scales.count == rows && (0...k).contains(freeColumns),
                     "matrix sizes disagree")
        let rounded = k - freeColumns
        guard k > 0, rows > 0 else { return Rows(integers: [], free: []) }
        // Rounded columns in order of decreasing input energy (ties by index), then the free ones.
        let order = (0..<rounded).sorted { gram[$0 * k + $0] != gram[$1 * k + $1] ? gram[$0 * k + $0] > gram[$1 * k + $1] : $0 < $1 }
            + Array(rounded..<k)
        var h = [Double](repeating: 0, count: k * k)
        var meanDiagonal = 0.0
        for (a, i) in order.enumerated() {
            for (b, j) in order.enumerated() { h[a * k + b] = gram[i * k + j] }
            // An input that is always zero: its weights do not matter; keep H̃ invertible.
            if h[a * k + a] <= 0 { h[a * k + a] = 1 }
            meanDiagonal += h[a * k + a]
        }
        meanDiagonal /= Double(k)
        var factor: [Double]?
        var lambda = damping * meanDiagonal
        for _ in 0..<4 {
            var damped = h
            for a in 0..<k { damped[a * k + a] += lambda }
            factor = inverseUpperFactor(damped, k)
            if factor != nil { break }
            lambda = Swift.max(lambda * 10, 1e-6 * meanDiagonal)
        }
        guard let u = factor else { return nil }

        var integers = [Int32](repeating: 0, count: rows * rounded)
        var free = [Double](repeating: 0, count: rows * freeColumns)
        let qmax = Double(maxMagnitude)
        var w = [Double](repeating: 0, count: k)
        for r in 0..<rows {
            let s = scales[r]
            for (a, i) in order.enumerated() { w[a] = weights[r * k + i] }
            w.withUnsafeMutableBufferPointer { w in
                u.withUnsafeBufferPointer { u in
                    for a in 0..<rounded {
                        let q = s > 0 ? Swift.min(Swift.max((w[a] / s).rounded(.toNearestOrAwayFromZero), -qmax), qmax) : 0
                        integers[r * rounded + order[a]] = Int32(q)
                        let e = (w[a] - q * s) / u[a * k + a]
                        if e == 0 { continue }
                        let row = a * k
                        for b in (a + 1)..<k { w[b] -= e * u[row + b] }
                    }
                    for f in 0..<freeColumns { free[r * freeColumns + f] = w[rounded + f] }
                }
            }
        }
        return Rows(integers: integers, free: free)
    }

    /// The upper-triangular U with H⁻¹ = Uᵀ U, row-major [k × k], or nil when H is not positive
    /// definite. With R upper and H = R Rᵀ (the Cholesky factorization of H with rows and columns
    /// reversed), H⁻¹ = R⁻ᵀ R⁻¹, so U = R⁻¹.
    static func inverseUpperFactor(_ h: [Double], _ k: Int) -> [Double]? {
        // L: Cholesky factor of the reversed matrix A[i][j] = H[k−1−i][k−1−j], A = L Lᵀ.
        var l = [Double](repeating: 0, count: k * k)
        let ok = l.withUnsafeMutableBufferPointer { l -> Bool in
            h.withUnsafeBufferPointer { h -> Bool in
                for i in 0..<k {
                    for j in 0...i {
                        var sum = h[(k - 1 - i) * k + (k - 1 - j)]
                        let ri = i * k, rj = j * k
                        for t in 0..<j { sum -= l[ri + t] * l[rj + t] }
                        if i == j {
                            guard sum > 0, sum.isFinite else { return false }
                            l[ri + i] = sum.squareRoot()
                        } else {
                            l[ri + j] = sum / l[rj + j]
                        }
                    }
                }
                return true
            }
        }
        guard ok else { return nil }
        // M = L⁻¹ (lower), column by column of the identity, stored transposed (mt[j][i] = M[i][j])
        // so the inner products run over contiguous memory.
        var mt = [Double](repeating: 0, count: k * k)
        mt.withUnsafeMutableBufferPointer { mt in
            l.withUnsafeBufferPointer { l in
                for j in 0..<k {
                    let col = j * k
                    mt[col + j] = 1 / l[j * k + j]
                    if j + 1 < k {
                        for i in (j + 1)..<k {
                            var sum = 0.0
                            let ri = i * k
                            for t in j..<i { sum -= l[ri + t] * mt[col + t] }
                            mt[col + i] = sum / l[ri + i]
                        }
                    }
                }
            }
        }
        // R = J L J, so R⁻¹ = J M J: U[a][b] = M[k−1−a][k−1−b] = mt[k−1−b][k−1−a].
        var u = [Double](repeating: 0, count: k * k)
        for a in 0..<k {
            for b in a..<k { u[a * k + b] = mt[(k - 1 - b) * k + (k - 1 - a)] }
        }
        return u
    }
}
