// Checking a script as `npuc script check` does: parse and type it, read the NMS config files it
// names, and — given the model's layers — resolve every layer selector (and every layer of the
// NMS configs) to npuc layer names. All diagnostics come back together, in source order.

import NpucGraph

public struct ScriptCheckOptions: Sendable {
    public var script: ModelScriptOptions
    /// The folder NMS config paths are relative to (the script's folder); nil: the current folder.
    public var scriptDirectory: String?
    /// For `$VARIABLE`s in config paths.
    public var environment: [String: String]
    /// The model's layers; nil skips layer resolution.
    public var catalog: LayerCatalog?
    /// The detection head recognized when the model was parsed (for `nms_postprocess` without a file).
    public var detectionHead: DetectionHead?
    /// Read the NMS config files the script names.
    public var loadNMSConfigs: Bool

    public init(script: ModelScriptOptions = ModelScriptOptions(), scriptDirectory: String? = nil,
                environment: [String: String] = [:], catalog: LayerCatalog? = nil, detectionHead: DetectionHead? = nil,
                loadNMSConfigs: Bool = true) {
        self.script = script
        self.scriptDirectory = scriptDirectory
        self.environment = environment
        self.catalog = catalog
        self.detectionHead = detectionHead
        self.loadNMSConfigs = loadNMSConfigs
    }
}

/// The npuc layers one selector of one statement resolved to.
public struct ResolvedLayers: Hashable, Sendable {
    /// Index into `ModelScript.statements`.
    public var statement: Int
    public var role: String
    public var selector: LayerSelector
    public var layers: [String]
}

public struct ScriptCheckReport: Sendable {
    public var script: ModelScript
    /// Every error and warning, in source order.
    public var diagnostics: [ScriptDiagnostic]
    /// The effective NMS config of each `nms_postprocess` statement (file or head, plus overrides).
    public var nmsConfigs: [Int: NMSConfig]
    /// Filled when a catalog was given.
    public var resolvedLayers: [ResolvedLayers]

    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}

extension ModelScript {
    public static func check(_ text: String, fileName: String, options: ScriptCheckOptions) -> ScriptCheckReport {
        let (script, parseDiagnostics) = analyze(text, fileName: fileName, options: options.script)
        var bag = DiagnosticBag(source: SourceText(text, fileName: fileName))
        bag.append(contentsOf: parseDiagnostics)
        var configs: [Int: NMSConfig] = [:]
        for (index, statement) in script.statements.enumerated() {
            guard case .nmsPostprocess(let nms) = statement.command else { continue }
            if let config = nmsConfig(nms, statement: statement, options: options, &bag) {
                configs[index] = config
            }
        }
        var resolved: [ResolvedLayers] = []
        if let catalog = options.catalog {
            resolved = script.resolveLayers(in: catalog, nmsConfigs: configs, &bag)
        }
        return ScriptCheckReport(script: script, diagnostics: bag.sorted, nmsConfigs: configs, resolvedLayers: resolved)
    }

    private static func nmsConfig(_ nms: NMSPostprocess, statement: ScriptStatement, options: ScriptCheckOptions,
                                  _ bag: inout DiagnosticBag) -> NMSConfig? {
        let location = statement.location
        var config: NMSConfig?
        var metaArch = nms.metaArch
        if let head = options.detectionHead {
            let headArch = NMSPostprocess.MetaArch(rawValue: head.metaArchitecture.rawValue)
            if let given = metaArch, let headArch, given != headArch {
                bag.error(.nmsConfig, "nms_postprocess says meta_arch=\(given.rawValue) but the model's detection head is \(headArch.rawValue)",
                          at: location, length: NMSPostprocess.name.count)
            }
            metaArch = metaArch ?? headArch
        }
        if let path = nms.configPath {
            guard options.loadNMSConfigs else { return nil }
            do {
                let loaded = try NMSConfig.load(path: path, relativeTo: options.scriptDirectory, environment: options.environment)
                config = loaded.config
                for warning in loaded.warnings {
                    bag.add(.warning, .nmsConfig, "\(path): \(warning)", at: location, length: NMSPostprocess.name.count)
                }
            } catch {
                for problem in error.problems {
                    bag.error(.nmsConfig, "\(path): \(problem)", at: location, length: NMSPostprocess.name.count)
                }
                return nil
            }
        } else if let head = options.detectionHead {
            config = NMSConfig(head: head)
        } else if options.catalog != nil {
            bag.error(.nmsConfig, "nms_postprocess names no config file and the model has no recognized detection head",
                      at: location, length: NMSPostprocess.name.count,
                      notes: ["give the model zoo's JSON config: nms_postprocess(\"nms_config.json\", meta_arch=…)"])
            return nil
        } else {
            return nil
        }
        guard let result = config?.applying(nms) else { return nil }
        if let metaArch {
            for problem in result.problems(for: metaArch) {
                bag.error(.nmsConfig, "\(nms.configPath ?? "the NMS config"): \(problem)", at: location, length: NMSPostprocess.name.count)
            }
        } else {
            bag.add(.warning, .nmsConfig, "nms_postprocess gives no meta_arch, so its config is not checked against one",
                    at: location, length: NMSPostprocess.name.count, notes: ["add meta_arch=yolov8, yolov5, yolox or ssd"])
        }
        return result
    }

    /// Resolves every selector (and the layers named by NMS configs) against `catalog`, in
    /// statement order; names assigned by a statement are layers for the statements after it.
    func resolveLayers(in catalog: LayerCatalog, nmsConfigs: [Int: NMSConfig],
                       _ bag: inout DiagnosticBag) -> [ResolvedLayers] {
        var catalog = catalog
        var result: [ResolvedLayers] = []
        for (index, statement) in statements.enumerated() {
            for reference in statement.command.layerReferences {
                let resolution = catalog.resolve(reference.selector)
                result.append(ResolvedLayers(statement: index, role: reference.role, selector: reference.selector,
                                             layers: resolution.layers))
                for problem in resolution.problems {
                    let span = spanOf(problem, in: statement)
                    switch problem {
                    case .emptyGlob:
                        bag.add(.warning, .layer, problem.message, at: span?.location ?? statement.location, length: span?.length ?? 1)
                    case .unknownName, .badGlob:
                        bag.error(.layer, problem.message, at: span?.location ?? statement.location, length: span?.length ?? 1,
                                  notes: ["`npuc info` lists the model's layers; original ONNX node names work too"])
                    }
                }
            }
            if let config = nmsConfigs[index] {
                for (i, decoder) in config.bboxDecoders.enumerated() {
                    for (key, name) in decoder.layerNames {
                        let resolution = catalog.resolve(.name(name))
                        if let problem = resolution.problems.first {
                            bag.error(.layer, "NMS config bbox_decoders[\(i)].\(key): \(problem.message)",
                                      at: statement.location, length: NMSPostprocess.name.count)
                        } else {
                            result.append(ResolvedLayers(statement: index, role: "bbox_decoders[\(i)].\(key)",
                                                         selector: .name(name), layers: resolution.layers))
                        }
                    }
                }
            }
            for name in statement.targets.names {
                catalog.add(LayerCatalog.Layer(name: name, sourceNames: []))
            }
        }
        return result
    }

    private func spanOf(_ problem: LayerCatalog.Problem, in statement: ScriptStatement) -> LayerSpan? {
        switch problem {
        case .unknownName(let name, _): return statement.layerSpans[name]
        case .emptyGlob(let pattern), .badGlob(let pattern, _): return statement.layerSpans["{\(pattern)}"]
        }
    }

    /// Resolves the script's selectors against `catalog` without NMS configs; the diagnostics are
    /// the unknown names (errors) and empty globs (warnings).
    public func resolveLayers(in catalog: LayerCatalog) -> (layers: [ResolvedLayers], diagnostics: [ScriptDiagnostic]) {
        var bag = DiagnosticBag(source: SourceText(text, fileName: fileName))
        let layers = resolveLayers(in: catalog, nmsConfigs: [:], &bag)
        return (layers, bag.sorted)
    }
}
