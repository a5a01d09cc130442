// A parsed, typed model script: lexing, parsing and typing of every statement with all
// diagnostics collected. `ModelScript.parse` throws every error of the script at once;
// `ModelScript.analyze` returns the statements and all diagnostics for tools that show both.

public struct ModelScriptOptions: Hashable, Sendable {
    /// Turn the refusal of unsupported commands and arguments into warnings; the refused
    /// commands are then kept as `.unsupported` (and skipped by consumers), refused arguments dropped.
    public var ignoreUnsupported: Bool

    public init(ignoreUnsupported: Bool = false) { self.ignoreUnsupported = ignoreUnsupported }
}

/// One statement: the names it assigns and its typed command. Equality ignores source positions.
public struct ScriptStatement: Hashable, Sendable {
    public var targets: ScriptTargets
    public var command: ModelScriptCommand
    /// Where the command name is.
    public var location: SourceLocation?
    /// Where each layer name (or `{glob}`) of the statement was written.
    public var layerSpans: [String: LayerSpan]

    public init(targets: ScriptTargets = .none, command: ModelScriptCommand, location: SourceLocation? = nil,
                layerSpans: [String: LayerSpan] = [:]) {
        self.targets = targets
        self.command = command
        self.location = location
        self.layerSpans = layerSpans
    }

    public static func == (a: ScriptStatement, b: ScriptStatement) -> Bool {
        a.targets == b.targets && a.command == b.command
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(targets)
        hasher.combine(command)
    }
}

public struct ModelScript: Hashable, Sendable {
    /// The file name used in diagnostics.
    public var fileName: String
    /// The text as given (what an archive stores).
    public var text: String
    public var statements: [ScriptStatement]
    /// Warnings (refusals turned into warnings, globs that match nothing, …).
    public var warnings: [ScriptDiagnostic]

    /// The commands npuc acts on, in script order (unsupported ones left out).
    public var commands: [ModelScriptCommand] { statements.map(\.command).filter(\.isSupported) }

    /// Parses and types `text`; throws every error of the script at once.
    public static func parse(_ text: String, fileName: String = "model_script.alls",
                             options: ModelScriptOptions = ModelScriptOptions()) throws(ModelScriptError) -> ModelScript {
        let (script, diagnostics) = analyze(text, fileName: fileName, options: options)
        if diagnostics.contains(where: { $0.severity == .error }) { throw ModelScriptError(diagnostics: diagnostics) }
        return script
    }

    /// Parses and types `text`, returning what could be typed and every diagnostic in source order.
    public static func analyze(_ text: String, fileName: String = "model_script.alls",
                               options: ModelScriptOptions = ModelScriptOptions()) -> (ModelScript, [ScriptDiagnostic]) {
        var bag = DiagnosticBag(source: SourceText(text, fileName: fileName))
        let syntax = Parser.parse(text, into: &bag)
        var statements: [ScriptStatement] = []
        for statement in syntax {
            if let typed = type(statement, options: options, &bag) { statements.append(typed) }
        }
        let diagnostics = bag.sorted
        let script = ModelScript(fileName: fileName, text: text, statements: statements,
                                 warnings: diagnostics.filter { $0.severity == .warning })
        return (script, diagnostics)
    }

    /// The canonical text of the statements (see `ScriptPrinter`).
    public var printed: String { ScriptPrinter.print(statements) }

    private static func type(_ statement: StatementSyntax, options: ModelScriptOptions,
                             _ bag: inout DiagnosticBag) -> ScriptStatement? {
        let name = statement.name
        let line = statement.nameLocation.line
        func refuse(_ what: String, at location: SourceLocation, length: Int, notes: [String] = []) -> ScriptStatement {
            let action = options.ignoreUnsupported ? "the command is skipped" : "pass --ignore-unsupported to go on without it"
            bag.add(options.ignoreUnsupported ? .warning : .error, .unsupported,
                    "not supported by npuc: \(what) (line \(line))", at: location, length: length, notes: notes + [action])
            return unsupported(statement, refused: what)
        }
        guard let definition = ModelScriptCommand.definitions.first(where: { $0.name == name }) else {
            if ModelScriptCommand.recognizedUnsupportedNames.contains(name) {
                return refuse(name, at: statement.nameLocation, length: name.count,
                              notes: ["\(name) is a Dataflow Compiler command that npuc does not implement"])
            }
            var notes = ["npuc does not know this command"]
            let known = ModelScriptCommand.implementedNames + ModelScriptCommand.recognizedUnsupportedNames
            if let close = closest(name, among: known) { notes.append("did you mean '\(close)'?") }
            return refuse(name, at: statement.nameLocation, length: name.count, notes: notes)
        }
        switch statement.targets {
        case .blocks where !statement.targetLocations.isEmpty:
            bag.error(.argument, "\(name) does not take a '{ layer: [...] }' target", at: statement.targetLocations[0])
            return nil
        case .names(let names) where !names.isEmpty && !definition.definesLayers:
            bag.error(.argument, "\(name) does not define layers; remove '\(names.joined(separator: ", ")) ='",
                      at: statement.targetLocations[0], length: names[0].count)
            return nil
        default:
            break
        }
        var arguments = Arguments(statement, options: options, bag: &bag)
        switch definition.read(&arguments, &bag) {
        case .command(let command):
            return ScriptStatement(targets: statement.targets, command: command, location: statement.nameLocation,
                                   layerSpans: arguments.layerSpans)
        case .unsupported(let what, let at):
            if what.isEmpty { return unsupported(statement, refused: name) }
            return refuse(what, at: at?.location ?? statement.nameLocation, length: at?.length ?? name.count)
        case .invalid:
            return nil
        }
    }

    private static func unsupported(_ statement: StatementSyntax, refused: String) -> ScriptStatement {
        let arguments = statement.arguments.map { PrintedArgument($0.label, $0.value.plain) }
        return ScriptStatement(targets: statement.targets,
                               command: .unsupported(UnsupportedCommand(name: statement.name, arguments: arguments, refused: refused)),
                               location: statement.nameLocation)
    }
}
