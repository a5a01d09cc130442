// swift-tools-version:6.1
// npuc — an open-source dataflow compiler for Hailo-class NPUs.
// One module per stage (docs/ARCHITECTURE.md): Graph (IR) at the bottom; IO and Images beside it;
// Import, Script, Executor, Optimize, Compile, Runtime, Report above; the Runner facade and the
// `npuc` CLI on top.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
]

// The modules that do the arithmetic (kernels, float executor, integer emulator) are optimized in
// debug builds too: the test suite runs whole real models through them, which unoptimized code
// would make take many minutes.
let arithmeticSettings: [SwiftSetting] = swiftSettings + [.unsafeFlags(["-O"], .when(configuration: .debug))]

// NpucKernels holds the ISA-specific kernels; on x86-64 it is compiled for AVX2 + FMA and its
// code runs only after a CPUID check (KernelSupport.fastKernels), so other CPUs get the portable
// reference kernels of NpucExecutor instead.
#if arch(x86_64)
let kernelSettings: [SwiftSetting] = arithmeticSettings + [
    .define("NPUC_KERNELS_X86_64_V3"),
    .unsafeFlags(["-Xcc", "-mavx2", "-Xcc", "-mfma"]),
]
#else
let kernelSettings: [SwiftSetting] = arithmeticSettings
#endif

let package = Package(
    name: "npuc",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "npuc", targets: ["npuc"]),
        .library(name: "NpucRunner", targets: ["NpucRunner"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // Vocabulary: tensors, the graph IR, ops with shape inference and NPU constraints.
        .target(name: "NpucGraph", swiftSettings: swiftSettings),
        // Files: NumPy .npy/.npz, zip containers, atomic writes, the .npar archive.
        .target(name: "NpucIO", dependencies: ["NpucGraph", "CZlib"], swiftSettings: swiftSettings),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        // Images: JPEG (libjpeg-turbo), PNG (libpng), BMP decoding; resize, letterbox, crop;
        // calibration sets.
        .target(name: "NpucImages", dependencies: ["NpucGraph", "NpucIO", "CJPEG", "CPNG"],
                swiftSettings: swiftSettings),
        .systemLibrary(name: "CJPEG", path: "Sources/CJPEG", pkgConfig: "libjpeg",
                       providers: [.apt(["libjpeg62-turbo-dev"]), .brew(["jpeg-turbo"])]),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"]), .brew(["libpng"])]),
        // Framework importers (ONNX); the only place that knows ONNX.
        .target(name: "NpucImport",
                dependencies: ["NpucGraph", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
                swiftSettings: swiftSettings),
        // The model-script language (.alls): lexer, parser, typed commands.
        .target(name: "NpucScript", dependencies: ["NpucGraph"], swiftSettings: swiftSettings),
        // ISA-specific hot kernels (AVX-512 VNNI / AVX2 / NEON) with runtime dispatch and portable twins.
        .target(name: "NpucKernels", swiftSettings: kernelSettings),
        // The float reference executor ("native" context).
        .target(name: "NpucExecutor", dependencies: ["NpucGraph", "NpucKernels"], swiftSettings: arithmeticSettings),
        // Post-training quantization: float preparation, calibration, the integer scheme
        // (docs/QUANTIZATION.md), the quantized emulator, noise analysis.
        .target(name: "NpucOptimize", dependencies: ["NpucGraph", "NpucIO", "NpucExecutor", "NpucKernels", "NpucImages"], swiftSettings: arithmeticSettings),
        // Host side of running a network: detection post-processing (YOLO decode, NMS) and metrics.
        .target(name: "NpucRuntime", dependencies: ["NpucGraph", "NpucIO"], swiftSettings: swiftSettings),
        // The ClientRunner-shaped facade: translate → optimize → compile, save/load, infer.
        .target(name: "NpucRunner",
                dependencies: ["NpucGraph", "NpucIO", "NpucImport", "NpucScript", "NpucOptimize", "NpucExecutor",
                               "NpucRuntime", "NpucImages"],
                swiftSettings: swiftSettings),
        // Command-line front end (`npuc parser onnx …`).
        .target(name: "NpucCLI",
                dependencies: ["NpucRunner", "NpucImages", "NpucScript", "NpucOptimize", "NpucExecutor", "NpucRuntime",
                               .product(name: "ArgumentParser", package: "swift-argument-parser")],
                swiftSettings: swiftSettings),
        .executableTarget(name: "npuc", dependencies: ["NpucCLI"], swiftSettings: swiftSettings),
        // Benchmark harness (run on demand; results go to docs/BENCHMARKS-*.md).
        // The executor benchmark's timing tool (benchmarks/executor/bench_yolo.py runs it).
        .executableTarget(name: "npuc-executor-bench", dependencies: ["NpucExecutor", "NpucGraph", "NpucImport", "NpucIO", "NpucKernels"],
                          path: "benchmarks/executor/npuc-executor-bench", swiftSettings: swiftSettings),
        .executableTarget(name: "npuc-bench",
                          dependencies: ["NpucRunner", .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          swiftSettings: swiftSettings),

        .testTarget(name: "NpucGraphTests", dependencies: ["NpucGraph"], swiftSettings: swiftSettings),
        .testTarget(name: "NpucIOTests", dependencies: ["NpucIO"], swiftSettings: swiftSettings),
        .testTarget(name: "NpucImagesTests", dependencies: ["NpucImages"], swiftSettings: swiftSettings),
        .testTarget(name: "NpucScriptTests", dependencies: ["NpucScript"], swiftSettings: swiftSettings),
        .testTarget(name: "NpucExecutorTests", dependencies: ["NpucExecutor", "NpucKernels", "NpucImport", "NpucRunner"],
                    swiftSettings: swiftSettings),
        .testTarget(name: "NpucOptimizeTests", dependencies: ["NpucOptimize", "NpucGraph", "NpucIO", "NpucExecutor", "NpucKernels", "NpucImport"],
                    swiftSettings: swiftSettings),
        .testTarget(name: "NpucRuntimeTests", dependencies: ["NpucRuntime", "NpucGraph", "NpucIO"], swiftSettings: swiftSettings),
        .testTarget(name: "NpucImportTests", dependencies: ["NpucGraph", "NpucIO", "NpucImport", "NpucRunner", "NpucCLI"],
                    swiftSettings: swiftSettings),
        .testTarget(name: "NpucRunnerTests",
                    dependencies: ["NpucRunner", "NpucCLI", "NpucOptimize", "NpucScript", "NpucGraph", "NpucIO", "NpucImport"],
                    swiftSettings: swiftSettings),
    ]
)
