// The settings a script leaves in force, for the stages that consume them: when a command that
// sets global values (flavor, calibration, resources, performance, context switch) appears more
// than once, each value given later replaces the one given earlier, and values never given keep
// their defaults. Per-layer commands are returned in script order.

extension ModelScript {
    /// `model_optimization_flavor` values merged over the script.
    public var optimizationFlavor: ModelOptimizationFlavor {
        var merged = ModelOptimizationFlavor()
        for case .modelOptimizationFlavor(let c) in commands {
            merged.optimizationLevel = c.optimizationLevel ?? merged.optimizationLevel
            merged.compressionLevel = c.compressionLevel ?? merged.compressionLevel
            merged.batchSize = c.batchSize ?? merged.batchSize
        }
        return merged
    }

    /// `model_optimization_config(calibration, …)` values merged over the script.
    public var calibration: ModelOptimizationConfig {
        var merged = ModelOptimizationConfig()
        for case .modelOptimizationConfig(let c) in commands {
            merged.batchSize = c.batchSize ?? merged.batchSize
            merged.calibsetSize = c.calibsetSize ?? merged.calibsetSize
        }
        return merged
    }

    /// `resources_param` values merged over the script.
    public var resources: ResourcesParam {
        var merged = ResourcesParam()
        for case .resourcesParam(let c) in commands {
            for (_, path) in ResourcesParam.fields { merged[keyPath: path] = c[keyPath: path] ?? merged[keyPath: path] }
        }
        return merged
    }

    /// `performance_param` values merged over the script.
    public var performance: PerformanceParam {
        var merged = PerformanceParam()
        for case .performanceParam(let c) in commands {
            merged.fps = c.fps ?? merged.fps
            merged.compilerOptimizationLevel = c.compilerOptimizationLevel ?? merged.compilerOptimizationLevel
            merged.optimizeForBatch = c.optimizeForBatch ?? merged.optimizeForBatch
        }
        return merged
    }

    /// The context-switch mode in force (`allowed` unless the script says otherwise).
    public var contextSwitchMode: ContextSwitchParam.Mode {
        var mode = ContextSwitchParam.defaultMode
        for case .contextSwitchParam(let c) in commands { mode = c.mode ?? mode }
        return mode
    }

    /// The `nms_postprocess` in force (the last one), if any.
    public var nmsPostprocess: NMSPostprocess? {
        var last: NMSPostprocess?
        for case .nmsPostprocess(let c) in commands { last = c }
        return last
    }
}
