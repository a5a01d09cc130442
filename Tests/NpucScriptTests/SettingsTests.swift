// The settings a script leaves in force: later values replace earlier ones, unset values keep
// their defaults.

import Testing
@testable import NpucScript

@Suite struct SettingsTests {
    @Test func laterValuesReplaceEarlierOnesAndDefaultsFillTheRest() throws {
        let script = try parsed("""
        model_optimization_flavor(optimization_level=1, compression_level=3)
        model_optimization_flavor(compression_level=0)
        model_optimization_config(calibration, calibset_size=128)
        resources_param(max_utilization=0.8)
        resources_param(max_memory_utilization=0.5)
        performance_param(fps=30)
        performance_param(compiler_optimization_level=max)
        nms_postprocess(meta_arch=yolov8)
        nms_postprocess(meta_arch=yolox, nms_iou_th=0.5)
        """)
        #expect(script.optimizationFlavor == ModelOptimizationFlavor(optimizationLevel: 1, compressionLevel: 0))
        #expect(script.optimizationFlavor.effectiveBatchSize == 8)
        #expect(script.calibration.effectiveCalibsetSize == 128 && script.calibration.effectiveBatchSize == 8)
        #expect(script.resources.limit(\.maxMemoryUtilization) == 0.5)
        #expect(script.resources.limit(\.maxControlUtilization) == 0.8)
        #expect(script.performance == PerformanceParam(fps: 30, compilerOptimizationLevel: .max))
        #expect(script.contextSwitchMode == .allowed)
        #expect(script.nmsPostprocess == NMSPostprocess(metaArch: .yolox, iouThreshold: 0.5))
        let empty = try parsed("")
        #expect(empty.optimizationFlavor.effectiveOptimizationLevel == 2 && empty.nmsPostprocess == nil)
    }
}
