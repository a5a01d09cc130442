// NumPy `.npz` archives: zip files of `.npy` members, stored or deflated, as `numpy.savez` and
// `numpy.savez_compressed` write them. Member names carry no `.npy` suffix on the Swift side.

import Foundation
import NpucGraph

public enum Npz {
    /// The archive bytes; each member is written as `name.npy`, in the given order.
    public static func encode(_ members: [(name: String, tensor: Tensor)], deflate: Bool = false) -> [UInt8] {
        var writer = ZipWriter()
        for member in members {
            writer.add(name: member.name + ".npy", bytes: NumPy.encode(member.tensor), deflate: deflate)
        }
        return writer.finish()
    }

    /// Every member of the archive at `url`, in archive order, names without `.npy`.
    public static func decode(contentsOf url: URL) throws -> [(name: String, tensor: Tensor)] {
        try decode(ZipReader(contentsOf: url))
    }

    public static func decode(bytes: [UInt8], source: String) throws -> [(name: String, tensor: Tensor)] {
        try decode(ZipReader(bytes: bytes, source: source))
    }

    private static func decode(_ reader: ZipReader) throws -> [(name: String, tensor: Tensor)] {
        var members: [(name: String, tensor: Tensor)] = []
        for name in reader.entryNames {
            let bytes = try reader.read(name)
            let tensor = try NumPy.decode(bytes, source: "\(reader.source)/\(name)")
            let key = name.hasSuffix(".npy") ? String(name.dropLast(4)) : name
            members.append((name: key, tensor: tensor))
        }
        return members
    }
}
