// Whether this module's arithmetic was compiled with optimization (Package.swift optimizes it in
// debug builds too). Tests that run whole real models ask before running them.

public enum ExecutorBuild {
    /// True when NpucExecutor itself was compiled with -O (release, or debug per Package.swift).
    public static let isOptimized: Bool = !_isDebugAssertConfiguration()
}
