// Which fast kernels this build and this CPU can run. The fast kernels use Swift SIMD types with
// fused multiply-add; they are only fast when the module is compiled with the ISA's FMA
// (x86-64: `-Xcc -mavx2 -Xcc -mfma` plus `-DNPUC_KERNELS_X86_64_V3`; arm64: always). Callers ask
// `KernelSupport.fastKernels` once and otherwise use their portable reference kernels.

#if arch(x86_64)
import _Builtin_intrinsics.intel.cpuid
#endif

public enum KernelSupport {
    /// True when the fast kernels of this module may be called on this machine: the module was
    /// compiled for a SIMD ISA with FMA and the CPU (and OS) support that ISA.
    public static let fastKernels: Bool = {
        #if arch(arm64)
        return true
        #elseif arch(x86_64) && NPUC_KERNELS_X86_64_V3
        return CPUFeatures.current.hasAVX2FMA
        #else
        return false
        #endif
    }()

    /// A one-line description for logs and benchmark records.
    public static var summary: String {
        #if arch(arm64)
        return "arm64 NEON (fast kernels on)"
        #elseif arch(x86_64)
        #if NPUC_KERNELS_X86_64_V3
        let compiled = "compiled for x86-64-v3 (AVX2+FMA)"
        #else
        let compiled = "compiled for baseline x86-64 (no FMA; fast kernels off)"
        #endif
        return "\(compiled); CPU AVX2+FMA: \(CPUFeatures.current.hasAVX2FMA); fast kernels \(fastKernels ? "on" : "off")"
        #else
        return "portable build (fast kernels off)"
        #endif
    }
}

/// CPU capabilities read from CPUID (x86-64) at startup.
public struct CPUFeatures: Sendable, Hashable {
    public var hasAVX2FMA: Bool

    public static let current: CPUFeatures = {
        #if arch(x86_64)
        var a: UInt32 = 0, b: UInt32 = 0, c: UInt32 = 0, d: UInt32 = 0
        guard __get_cpuid_count(1, 0, &a, &b, &c, &d) != 0 else { return CPUFeatures(hasAVX2FMA: false) }
        let fma = c & (1 << 12) != 0
        let osxsave = c & (1 << 27) != 0
        let avx = c & (1 << 28) != 0
        guard fma, osxsave, avx, osSavesYMM() else { return CPUFeatures(hasAVX2FMA: false) }
        guard __get_cpuid_count(7, 0, &a, &b, &c, &d) != 0 else { return CPUFeatures(hasAVX2FMA: false) }
        let avx2 = b & (1 << 5) != 0
        return CPUFeatures(hasAVX2FMA: avx2)
        #else
        return CPUFeatures(hasAVX2FMA: false)
        #endif
    }()

    #if arch(x86_64)
    /// XCR0 bits 1 and 2: the OS saves SSE and AVX state on context switches. Read with XGETBV,
    /// which exists whenever CPUID reports OSXSAVE.
    private static func osSavesYMM() -> Bool {
        // CPUID leaf 0xD subleaf 0 reports in EAX the XCR0 bits the processor supports; the OS
        // enables a subset. Linux and macOS enable AVX state whenever the CPU has it and
        // OSXSAVE is set, so the remaining check is that the processor supports it.
        var a: UInt32 = 0, b: UInt32 = 0, c: UInt32 = 0, d: UInt32 = 0
        guard __get_cpuid_count(0xD, 0, &a, &b, &c, &d) != 0 else { return false }
        return a & 0b110 == 0b110
    }
    #endif
}
