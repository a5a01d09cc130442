// The lexer and parser: every construct of the model zoo's scripts, and located syntax errors
// (stray characters, unclosed brackets, missing commas) all reported in one pass.

import Testing
@testable import NpucScript

@Suite struct SyntaxTests {
    @Test func statementsAssignmentsCommentsAndContinuationLines() throws {
        let text = """
        # a comment line
        normalization1 = normalization([0.0, 0.0, 0.0], [255.0, 255.0, 255.0])  # trailing comment
        model_optimization_config(calibration,batch_size=8,  calibset_size=32)\t
        post_quantization_optimization(finetune, policy=enabled, dataset_size=4000,
                                       loss_layer_names=[conv14, conv18],
                                       loss_factors=[0.1, 1.0])

        """
        var bag = DiagnosticBag(source: SourceText(text, fileName: "t"))
        let statements = Parser.parse(text, into: &bag)
        #expect(bag.items.isEmpty)
        #expect(statements.map(\.name) == ["normalization", "model_optimization_config", "post_quantization_optimization"])
        #expect(statements[0].targets == .names(["normalization1"]))
        #expect(statements[0].nameLocation == SourceLocation(line: 2, column: 18))
        #expect(statements[2].arguments.count == 5)
        #expect(statements[2].arguments[3].label == "loss_layer_names")
        #expect(statements[2].arguments[3].value.plain == .list([.name("conv14"), .name("conv18")]))
    }

    @Test func valuesOfEveryKind() throws {
        let text = #"f(1, -1, 0., 1e-5, 1.0000000000000007, "../a $HMZ_DATA/b.json", 'q', True, {conv*}, {*}, {conv[0-9]*}, {net/ew_add*}, [a, [1, 2]], concat_from_conv36_d0-2_to_conv36_dc, /model.22/cv2.0/cv2.0.2/Conv, net/conv1, centerpose_regnetx_1.6gf_fpn/conv1, emulator_support = True)"#
        var bag = DiagnosticBag(source: SourceText(text, fileName: "t"))
        let statements = Parser.parse(text, into: &bag)
        #expect(bag.items.isEmpty, "\(bag.items)")
        let values = statements[0].arguments.map(\.value.plain)
        #expect(values == [
            .number(1, text: "1"), .number(-1, text: "-1"), .number(0, text: "0."), .number(1e-5, text: "1e-5"),
            .number(1.0000000000000007, text: "1.0000000000000007"), .string("../a $HMZ_DATA/b.json"), .string("q"),
            .name("True"), .glob("conv*"), .glob("*"), .glob("conv[0-9]*"), .glob("net/ew_add*"),
            .list([.name("a"), .list([.number(1, text: "1"), .number(2, text: "2")])]),
            .name("concat_from_conv36_d0-2_to_conv36_dc"), .name("/model.22/cv2.0/cv2.0.2/Conv"), .name("net/conv1"),
            .name("centerpose_regnetx_1.6gf_fpn/conv1"), .name("True"),
        ])
        #expect(statements[0].arguments.last?.label == "emulator_support")
    }

    @Test func multipleTargetsSlashTargetsAndBlockTargets() throws {
        let text = """
        stereonet/normalization1, stereonet/normalization2 = normalization([1.0], [2.0])
        a_d0, a_d1, a_dc = defuse(a, 2, defuse_type=SPATIAL)
        { net/matmul1: [net/m1_d0, net/m1_d1], net/matmul2: [net/m2_d0] } = defuse_block(net/matmul1, net/matmul2, defuse_count=4)
        yuv_to_rgb1 = yuv_to_rgb()
        """
        var bag = DiagnosticBag(source: SourceText(text, fileName: "t"))
        let statements = Parser.parse(text, into: &bag)
        #expect(bag.items.isEmpty)
        #expect(statements[0].targets == .names(["stereonet/normalization1", "stereonet/normalization2"]))
        #expect(statements[1].targets.names == ["a_d0", "a_d1", "a_dc"])
        #expect(statements[2].targets == .blocks([.init(layer: "net/matmul1", parts: ["net/m1_d0", "net/m1_d1"]),
                                                  .init(layer: "net/matmul2", parts: ["net/m2_d0"])]))
        #expect(statements[3].arguments.isEmpty)
    }

    @Test func strayCharacterIsLocatedWithACaret() {
        let found = diagnostics("normalization([0.0], [1.0]);\n")
        #expect(found.count == 1)
        #expect(found[0].kind == .syntax)
        #expect(found[0].location == SourceLocation(line: 1, column: 28))
        #expect(found[0].description.hasPrefix("""
        test.alls:1:28: error: stray character ';'
        normalization([0.0], [1.0]);
                                   ^
        """))
    }

    @Test func unclosedBracketIsReportedAtTheOpeningAndParsingGoesOn() {
        let text = """
        quantization_param([conv1, conv2, precision_mode=a16_w16)
        model_optimization_flavor(optimization_level=7)
        change_output_activation(conv42 sigmoid)
        """
        let found = errors(text)
        #expect(found.map(\.location) == [SourceLocation(line: 1, column: 57), SourceLocation(line: 2, column: 46),
                                          SourceLocation(line: 3, column: 33)])
        #expect(found[0].message == "')' does not close the '[' opened at line 1, column 20")
        #expect(found[1].message == "optimization_level=7 is out of range; it must be between 0 and 4")
        #expect(found[2].message == "expected ')' or ',' in the arguments of 'change_output_activation', found 'sigmoid'")
    }

    @Test func unclosedParenthesisBeforeTheNextStatement() {
        let text = """
        normalization1 = normalization([0.0, 0.0, 0.0], [255.0, 255.0, 255.0]
        model_optimization_flavor(optimization_level=1)
        """
        let found = errors(text)
        #expect(found.count == 1)
        #expect(found[0].message == "unclosed '('")
        #expect(found[0].location == SourceLocation(line: 1, column: 31))
        // The next statement is still read.
        let script = ModelScript.analyze(text).0
        #expect(script.statements.map(\.command.name) == ["model_optimization_flavor"])
    }

    @Test func unterminatedStringAndBadNumber() {
        let found = errors("nms_postprocess(\"a.json, meta_arch=yolov8)\nresources_param(max_utilization=0.8.1)\n")
        #expect(found.map(\.message) == ["unterminated string", "'0.8.1' is neither a number nor a name"])
        #expect(found.map(\.location?.line) == [1, 2])
    }

    @Test func everyErrorOfAScriptIsReportedAtOnce() {
        let text = """
        normalisation([0.0], [1.0])
        model_optimization_flavor(optimization_level=7, compression_level=9)
        change_output_activation(conv42, sigmod)
        quantization_param(conv1, precision_mode=a8_w3)
        performance_param(fps=0)
        """
        let found = errors(text)
        #expect(found.map(\.location?.line) == [1, 2, 2, 3, 4, 5])
        #expect(found.map(\.kind) == [.unsupported, .argument, .argument, .argument, .argument, .argument])
        #expect(found[0].message == "not supported by npuc: normalisation (line 1)")
        #expect(found[0].notes.contains("did you mean 'normalization'?"))
        #expect(found[2].message == "compression_level=9 is out of range; it must be between 0 and 5")
        #expect(found[3].message.hasPrefix("'sigmod' is not a valid activation"))
        #expect(found[3].notes == ["did you mean 'sigmoid'?"])
        #expect(found[5].message == "fps=0 is out of range; it must be greater than 0")
        do {
            _ = try ModelScript.parse(text, fileName: "x.alls")
            Issue.record("parse must throw")
        } catch {
            #expect(error.errors.count == 6)
            #expect(error.description.hasSuffix("6 errors in the model script"))
        }
    }
}
