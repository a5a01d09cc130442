// The logistic function in Double, written once so every decoder (and the Python twin in
// scripts/fixtures/ort_quantize.py) computes scores the same way: 1 / (1 + e^(−x)).

import Foundation

@inline(__always)
func sigmoid(_ x: Double) -> Double {
    1 / (1 + exp(-x))
}
