// Layer selectors: glob matching, and resolution against a model's layers by npuc name,
// `network/name`, original ONNX node name, list and glob, with "did you mean" for unknown names.

import Testing
import NpucGraph
@testable import NpucScript

@Suite struct LayerSelectorTests {
    static let catalog = LayerCatalog(layers: [
        (name: "input_layer1", sourceNames: ["images"]),
        (name: "conv1", sourceNames: ["/model.0/conv/Conv"]),
        (name: "conv2", sourceNames: ["/model.1/conv/Conv"]),
        (name: "conv12", sourceNames: ["/model.22/cv2.0/cv2.0.2/Conv"]),
        (name: "conv13", sourceNames: ["/model.22/cv3.0/cv3.0.2/Conv"]),
        (name: "convx", sourceNames: []),
        (name: "ew_add1", sourceNames: ["/model.2/Add"]),
        (name: "output_layer1", sourceNames: ["output0"]),
    ], networkName: "yolov8n")

    func glob(_ pattern: String) throws -> LayerGlob {
        try LayerGlob.compile(pattern).get()
    }

    @Test func globMatching() throws {
        #expect(try glob("conv*").matches("conv12"))
        #expect(try glob("conv*").matches("conv"))
        #expect(try !glob("conv*").matches("dwconv1"))
        #expect(try glob("*").matches(""))
        #expect(try glob("conv[0-9]*").matches("conv12"))
        #expect(try !glob("conv[0-9]*").matches("convx"))
        #expect(try glob("conv?").matches("conv1"))
        #expect(try !glob("conv?").matches("conv12"))
        #expect(try glob("conv[!1]").matches("conv2"))
        #expect(try !glob("conv[^1]").matches("conv1"))
        #expect(try glob("*/cv2.*/Conv").matches("/model.22/cv2.0/cv2.0.2/Conv"))
        #expect(try glob("a*b*c").matches("aXbYbZc"))
        #expect(try !glob("a*b*c").matches("aXbYbZ"))
        #expect(LayerGlob.compile("conv[0-9").failureMessage == "'[' in the glob {conv[0-9} is not closed by ']'")
        #expect(LayerGlob.compile("").failureMessage == "the glob {} is empty; write {*} for every layer")
    }

    @Test func namesResolveByNpucNameNetworkPrefixAndOnnxName() {
        let c = Self.catalog
        #expect(c.resolve(.name("conv12")).layers == ["conv12"])
        #expect(c.resolve(.name("yolov8n/conv12")).layers == ["conv12"])
        #expect(c.resolve(.name("/model.22/cv2.0/cv2.0.2/Conv")).layers == ["conv12"])
        #expect(c.resolve(.name("yolov8n//model.22/cv3.0/cv3.0.2/Conv")).layers == ["conv13"])
        #expect(c.resolve(.name("images")).layers == ["input_layer1"])
        #expect(c.resolve(.name("yolov8n/conv12")).problems.isEmpty)
    }

    @Test func globsListsOrderAndDuplicates() {
        let c = Self.catalog
        #expect(c.resolve(.glob("conv*")).layers == ["conv1", "conv2", "conv12", "conv13", "convx"])
        #expect(c.resolve(.glob("conv[0-9]*")).layers == ["conv1", "conv2", "conv12", "conv13"])
        #expect(c.resolve(.glob("yolov8n/ew_add*")).layers == ["ew_add1"])
        #expect(c.resolve(.glob("/model.22/*")).layers == ["conv12", "conv13"])
        #expect(c.resolve(.all).layers.count == 8)
        #expect(c.resolve(.list([.name("conv13"), .glob("conv1*"), .name("conv1")])).layers == ["conv1", "conv12", "conv13"])
    }

    @Test func unknownNamesGetTheClosestNames() {
        let c = Self.catalog
        let r = c.resolve(.list([.name("conv122"), .name("yolov8n/conv3"), .name("/model.22/cv2.0/cv2.0.3/Conv"), .name("zzzzzzzzzz")]))
        #expect(r.layers.isEmpty)
        #expect(r.problems == [
            .unknownName("conv122", suggestions: ["conv12", "conv1", "conv13"]),
            .unknownName("yolov8n/conv3", suggestions: ["conv1", "conv13", "conv2"]),
            .unknownName("/model.22/cv2.0/cv2.0.3/Conv", suggestions: ["/model.22/cv2.0/cv2.0.2/Conv", "/model.22/cv3.0/cv3.0.2/Conv",
                                                                      "/model.0/conv/Conv"]),
            .unknownName("zzzzzzzzzz", suggestions: []),
        ])
        #expect(r.problems[0].message == "unknown layer 'conv122'; did you mean 'conv12', 'conv1', 'conv13'?")
        #expect(c.resolve(.glob("dw*")).problems == [.emptyGlob("dw*")])
    }

    @Test func otherNetworkPrefixDoesNotResolve() {
        #expect(Self.catalog.resolve(.name("yolov7/conv12")).layers.isEmpty)
        // Without a known network name, any prefix is taken as the network's.
        let anonymous = LayerCatalog(layers: [(name: "conv12", sourceNames: [])])
        #expect(anonymous.resolve(.name("whatever/conv12")).layers == ["conv12"])
    }

    @Test func catalogOfAGraphHasNodesAndInputOutputPseudoLayers() throws {
        var graph = Graph(name: "tiny")
        let x = graph.addValue(name: "images", type: TensorType(.float32, [1, 4, 4, 3]))
        graph.inputs = [x]
        let y = try graph.addNode(name: "relu1", sourceNames: ["/act/Relu"], op: .activation(Activation(.relu)),
                                  inputs: [x], outputNames: ["out"])
        graph.outputs = y
        let catalog = LayerCatalog(graph: graph)
        #expect(catalog.layers.map(\.name) == ["input_layer1", "relu1", "output_layer1"])
        #expect(catalog.resolve(.name("tiny/relu1")).layers == ["relu1"])
        #expect(catalog.resolve(.name("/act/Relu")).layers == ["relu1"])
        #expect(catalog.resolve(.name("out")).layers == ["output_layer1"])
    }

    @Test func scriptResolutionPointsAtTheUnknownNameAndKnowsScriptDefinedLayers() throws {
        let script = try parsed("""
        my_norm = normalization([0.0], [1.0])
        quantization_param([my_norm, conv13, conv122], precision_mode=a16_w16)
        quantization_param({dw*}, precision_mode=a8_w8)
        post_quantization_optimization(finetune, loss_layer_names=[conv12, /model.22/cv3.0/cv3.0.2/Conv])
        """)
        let (layers, found) = script.resolveLayers(in: Self.catalog)
        #expect(found.map(\.severity) == [.error, .warning])
        #expect(found[0].description.hasPrefix("""
        test.alls:2:38: error: unknown layer 'conv122'; did you mean 'conv12', 'conv1', 'conv13'?
        quantization_param([my_norm, conv13, conv122], precision_mode=a16_w16)
                                             ^~~~~~~
        """))
        #expect(found[1].message == "the glob {dw*} matches no layer of the model")
        #expect(found[1].location == SourceLocation(line: 3, column: 20))
        #expect(layers.map(\.layers) == [["conv13", "my_norm"], [], ["conv12", "conv13"]])
        #expect(layers.map(\.role) == ["layers", "layers", "loss_layer_names"])
    }
}

extension Result where Failure == GlobSyntaxError {
    var failureMessage: String? {
        if case .failure(let e) = self { return e.message }
        return nil
    }
}
