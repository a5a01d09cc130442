// The committed image fixtures (scripts/make-io-fixtures.py) and their reference pixels.

import Foundation
import NpucGraph
import NpucIO
@testable import NpucImages

enum ImageFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/images")

    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    /// Reference RGB pixels by fixture name (H×W×3 uint8), decoded once.
    static let references: [String: Tensor] = {
        guard let members = try? Npz.decode(contentsOf: url("reference-rgb.npz")) else { return [:] }
        return Dictionary(uniqueKeysWithValues: members.map { ($0.name, $0.tensor) })
    }()

    static func reference(_ name: String) throws -> RGBImage {
        guard let tensor = references[name], case .uint8(let pixels) = tensor.storage else {
            throw FixtureMissing(name: name)
        }
        return RGBImage(width: tensor.shape[1], height: tensor.shape[0], pixels: pixels)
    }

    struct FixtureMissing: Error, CustomStringConvertible {
        let name: String
        var description: String { "no reference for \(name); run scripts/make-io-fixtures.py" }
    }

    /// Largest absolute difference between two images of the same size.
    static func maxDifference(_ a: RGBImage, _ b: RGBImage) -> Int {
        precondition(a.width == b.width && a.height == b.height)
        return zip(a.pixels, b.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("npuc-images-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
