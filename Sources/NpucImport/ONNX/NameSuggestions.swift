// "Did you mean …": the existing names closest to a misspelled one (Levenshtein distance).

enum NameSuggestions {
    /// Up to `limit` names from `candidates` closest to `name`, best first.
    static func closest(to name: String, in candidates: [String], limit: Int = 3) -> [String] {
        let target = Array(name.lowercased().utf8)
        let scored = candidates.map { candidate -> (String, Int) in
            (candidate, distance(target, Array(candidate.lowercased().utf8)))
        }
        let threshold = max(3, target.count / 2)
        return scored.filter { $0.1 <= threshold }
            .sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }
            .prefix(limit).map(\.0)
    }

    static func distance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// " (did you mean 'a', 'b'?)" or "".
    static func hint(for name: String, in candidates: [String]) -> String {
        let near = closest(to: name, in: candidates)
        return near.isEmpty ? "" : "; did you mean \(near.map { "'\($0)'" }.joined(separator: ", "))?"
    }
}
