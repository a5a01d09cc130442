// The built-in default model: a small YOLOv8-style detector (64×64 input, 3 classes, DFL head at
// strides 8/16/32) generated in code with seeded weights and exported exactly the way Ultralytics
// exports YOLOv8 to ONNX (node names included), so the whole workflow can be shown without downloads.

import Foundation
import NpucGraph

public enum TinyDetector {
    public static let inputSize = 64
    public static let classNames = ["text", "table", "figure"]
    public static let regMax = 16

    /// The head convolutions to end the network at (what the parser recommends).
    public static let headEndNodes = (0..<3).flatMap { i in
        ["/model.11/cv2.\(i)/cv2.\(i).2/Conv", "/model.11/cv3.\(i)/cv3.\(i).2/Conv"]
    }

    /// ONNX bytes of the model (opset 12, input `images` 1×3×64×64, output `output0`).
    public static func onnxModel(seed: UInt64 = 2026) -> [UInt8] {
        var b = Builder(seed: seed)
        return b.build()
    }

    private struct Builder {
        var m = ONNXModelBuilder(graphName: "main_graph", opset: 12)
        var rng: SeededGenerator

        init(seed: UInt64) { rng = SeededGenerator(seed: seed) }

        mutating func constant(_ name: String, _ tensor: Tensor) -> String {
            m.addInitializer(name, tensor)
            return name
        }

        /// Conv + bias; `prefix` like "/model.0/conv".
        mutating func conv(_ prefix: String, _ x: String, _ cin: Int, _ cout: Int, k: Int, s: Int = 1, weights: [Float]? = nil,
                           bias: Bool = true) -> String {
            let fanIn = Float(cin * k * k)
            let w = weights ?? rng.uniform(cout * cin * k * k, scale: (6 / fanIn).squareRoot())
            let key = prefix.replacingOccurrences(of: "/", with: ".").trimmingCharacters(in: CharacterSet(charactersIn: "."))
            var inputs = [x, constant("\(key).weight", Tensor(shape: [cout, cin, k, k], float32: w))]
            if bias { inputs.append(constant("\(key).bias", Tensor(shape: [cout], float32: rng.uniform(cout, scale: 0.1)))) }
            return m.addNode("Conv", name: "\(prefix)/Conv", inputs: inputs, outputs: ["\(prefix)/Conv_output_0"],
                             attributes: ["dilations": .ints([1, 1]), "group": .int(1), "kernel_shape": .ints([k, k]),
                                          "pads": .ints(Array(repeating: k / 2, count: 4)), "strides": .ints([s, s])])
        }

        /// Conv + SiLU as Ultralytics exports it: Conv, Sigmoid, Mul.
        mutating func convSiLU(_ prefix: String, _ x: String, _ cin: Int, _ cout: Int, k: Int, s: Int = 1) -> String {
            let y = conv("\(prefix)/conv", x, cin, cout, k: k, s: s)
            let g = m.addNode("Sigmoid", name: "\(prefix)/act/Sigmoid", inputs: [y], outputs: ["\(prefix)/act/Sigmoid_output_0"])
            return m.addNode("Mul", name: "\(prefix)/act/Mul", inputs: [y, g], outputs: ["\(prefix)/act/Mul_output_0"])
        }

        mutating func build() -> [UInt8] {
            let nc = TinyDetector.classNames.count, r = TinyDetector.regMax, size = TinyDetector.inputSize
            m.addInput("images", shape: [1, 3, size, size])
            m.metadata = [("description", "npuc built-in tiny YOLOv8-style detector"), ("stride", "32"), ("task", "detect"),
                          ("imgsz", "[\(size), \(size)]"),
                          ("names", "{" + TinyDetector.classNames.enumerated().map { "\($0.offset): '\($0.element)'" }.joined(separator: ", ") + "}")]
            // Backbone.
            let p1 = convSiLU("/model.0", "images", 3, 8, k: 3, s: 2)          // 32×32
            let p2 = convSiLU("/model.1", p1, 8, 16, k: 3, s: 2)               // 16×16
            let c2f = c2fBlock("/model.2", p2, 16)                             // 16×16
            let p3 = convSiLU("/model.3", c2f, 16, 32, k: 3, s: 2)             // 8×8, stride 8
            let p4 = convSiLU("/model.4", p3, 32, 32, k: 3, s: 2)              // 4×4, stride 16
            let p5 = convSiLU("/model.5", p4, 32, 64, k: 3, s: 2)              // 2×2, stride 32
            let sppf = sppfBlock("/model.6", p5, 64)
            // Neck: upsample and concatenate.
            let scales = constant("/model.7/Constant_output_0", Tensor(shape: [4], float32: [1, 1, 2, 2]))
            let roi = constant("/model.7/Constant_1_output_0", Tensor(shape: [0], float32: []))
            let up1 = m.addNode("Resize", name: "/model.7/Resize", inputs: [sppf, roi, scales], outputs: ["/model.7/Resize_output_0"],
                                attributes: ["coordinate_transformation_mode": .string("asymmetric"), "cubic_coeff_a": .float(-0.75),
                                             "mode": .string("nearest"), "nearest_mode": .string("floor")])
            let cat1 = m.addNode("Concat", name: "/model.8/Concat", inputs: [up1, p4], outputs: ["/model.8/Concat_output_0"], attributes: ["axis": .int(1)])
            let n4 = convSiLU("/model.9", cat1, 96, 32, k: 3)                  // 4×4
            let up2 = m.addNode("Resize", name: "/model.10/Resize", inputs: [n4, roi, scales], outputs: ["/model.10/Resize_output_0"],
                                attributes: ["coordinate_transformation_mode": .string("asymmetric"), "cubic_coeff_a": .float(-0.75),
                                             "mode": .string("nearest"), "nearest_mode": .string("floor")])
            let cat2 = m.addNode("Concat", name: "/model.10/Concat", inputs: [up2, p3], outputs: ["/model.10/Concat_output_0"], attributes: ["axis": .int(1)])
            let n3 = convSiLU("/model.10/cv", cat2, 64, 32, k: 3)              // 8×8
            // Detect head.
            let levels = [(n3, 32, 8), (n4, 32, 4), (sppf, 64, 2)]
            var boxes = [String](), classes = [String]()
            for (i, (x, c, _)) in levels.enumerated() {
                var b = convSiLU("/model.11/cv2.\(i)/cv2.\(i).0", x, c, 16, k: 3)
                b = convSiLU("/model.11/cv2.\(i)/cv2.\(i).1", b, 16, 16, k: 3)
                b = conv("/model.11/cv2.\(i)/cv2.\(i).2", b, 16, 4 * r, k: 1)
                var s = convSiLU("/model.11/cv3.\(i)/cv3.\(i).0", x, c, 16, k: 3)
                s = convSiLU("/model.11/cv3.\(i)/cv3.\(i).1", s, 16, 16, k: 3)
                s = conv("/model.11/cv3.\(i)/cv3.\(i).2", s, 16, nc, k: 1)
                boxes.append(b)
                classes.append(s)
            }
            return decodeHead(boxes: boxes, classes: classes, sizes: levels.map(\.2), strides: [8, 16, 32], nc: nc, regMax: r)
        }

        mutating func c2fBlock(_ prefix: String, _ x: String, _ c: Int) -> String {
            let y = convSiLU("\(prefix)/cv1", x, c, c, k: 1)
            let halves = m.addNode("Split", name: "\(prefix)/Split", inputs: [y],
                                   outputs: ["\(prefix)/Split_output_0", "\(prefix)/Split_output_1"],
                                   attributes: ["axis": .int(1), "split": .ints([c / 2, c / 2])])
            let second = "\(prefix)/Split_output_1"
            var t = convSiLU("\(prefix)/m.0/cv1", second, c / 2, c / 2, k: 3)
            t = convSiLU("\(prefix)/m.0/cv2", t, c / 2, c / 2, k: 3)
            let added = m.addNode("Add", name: "\(prefix)/m.0/Add", inputs: [second, t], outputs: ["\(prefix)/m.0/Add_output_0"])
            let cat = m.addNode("Concat", name: "\(prefix)/Concat", inputs: [halves, second, added],
                                outputs: ["\(prefix)/Concat_output_0"], attributes: ["axis": .int(1)])
            return convSiLU("\(prefix)/cv2", cat, 3 * c / 2, c, k: 1)
        }

        mutating func sppfBlock(_ prefix: String, _ x: String, _ c: Int) -> String {
            let y = convSiLU("\(prefix)/cv1", x, c, c / 2, k: 1)
            var pools = [y]
            var last = y
            for name in ["m", "m_1", "m_2"] {
                last = m.addNode("MaxPool", name: "\(prefix)/\(name)/MaxPool", inputs: [last], outputs: ["\(prefix)/\(name)/MaxPool_output_0"],
                                 attributes: ["ceil_mode": .int(0), "kernel_shape": .ints([5, 5]), "pads": .ints([2, 2, 2, 2]),
                                              "strides": .ints([1, 1])])
                pools.append(last)
            }
            let cat = m.addNode("Concat", name: "\(prefix)/Concat", inputs: pools, outputs: ["\(prefix)/Concat_output_0"], attributes: ["axis": .int(1)])
            return convSiLU("\(prefix)/cv2", cat, 2 * c, c, k: 1)
        }

        /// The box decoding Ultralytics bakes into the export: DFL, anchors, strides, sigmoid.
        mutating func decodeHead(boxes: [String], classes: [String], sizes: [Int], strides: [Int], nc: Int, regMax r: Int) -> [UInt8] {
            let anchors = sizes.reduce(0) { $0 + $1 * $1 }
            let boxShape = constant("/model.11/Constant_output_0", Tensor(shape: [3], int64: [1, Int64(4 * r), -1]))
            let classShape = constant("/model.11/Constant_3_output_0", Tensor(shape: [3], int64: [1, Int64(nc), -1]))
            let boxFlat = boxes.enumerated().map { i, b in
                m.addNode("Reshape", name: "/model.11/Reshape\(i == 0 ? "" : "_\(i)")", inputs: [b, boxShape],
                          outputs: ["/model.11/Reshape\(i == 0 ? "" : "_\(i)")_output_0"])
            }
            let classFlat = classes.enumerated().map { i, s in
                m.addNode("Reshape", name: "/model.11/Reshape_\(i + 3)", inputs: [s, classShape], outputs: ["/model.11/Reshape_\(i + 3)_output_0"])
            }
            let box = m.addNode("Concat", name: "/model.11/Concat", inputs: boxFlat, outputs: ["/model.11/Concat_output_0"], attributes: ["axis": .int(-1)])
            let cls = m.addNode("Concat", name: "/model.11/Concat_1", inputs: classFlat, outputs: ["/model.11/Concat_1_output_0"], attributes: ["axis": .int(-1)])
            let dflShape = constant("/model.11/dfl/Constant_output_0", Tensor(shape: [4], int64: [1, 4, Int64(r), Int64(anchors)]))
            var d = m.addNode("Reshape", name: "/model.11/dfl/Reshape", inputs: [box, dflShape], outputs: ["/model.11/dfl/Reshape_output_0"])
            d = m.addNode("Transpose", name: "/model.11/dfl/Transpose", inputs: [d], outputs: ["/model.11/dfl/Transpose_output_0"], attributes: ["perm": .ints([0, 3, 1, 2])])
            d = m.addNode("Softmax", name: "/model.11/dfl/Softmax", inputs: [d], outputs: ["/model.11/dfl/Softmax_output_0"], attributes: ["axis": .int(3)])
            d = m.addNode("Transpose", name: "/model.11/dfl/Transpose_1", inputs: [d], outputs: ["/model.11/dfl/Transpose_1_output_0"], attributes: ["perm": .ints([0, 3, 2, 1])])
            d = conv("/model.11/dfl/conv", d, r, 1, k: 1, weights: (0..<r).map(Float.init), bias: false)
            let distShape = constant("/model.11/dfl/Constant_1_output_0", Tensor(shape: [3], int64: [1, 4, Int64(anchors)]))
            d = m.addNode("Reshape", name: "/model.11/dfl/Reshape_1", inputs: [d, distShape], outputs: ["/model.11/dfl/Reshape_1_output_0"])
            let zero = constant("/model.11/Constant_7_output_0", Tensor(shape: [1], int64: [0]))
            let two = constant("/model.11/Mul_output_0", Tensor(shape: [1], int64: [2]))
            let four = constant("/model.11/Mul_1_output_0", Tensor(shape: [1], int64: [4]))
            let one = constant("/model.11/Constant_6_output_0", Tensor(shape: [1], int64: [1]))
            let lt = m.addNode("Slice", name: "/model.11/Slice", inputs: [d, zero, two, one], outputs: ["/model.11/Slice_output_0"])
            let rb = m.addNode("Slice", name: "/model.11/Slice_1", inputs: [d, two, four, one], outputs: ["/model.11/Slice_1_output_0"])
            var points = [Float](repeating: 0, count: 2 * anchors), strideRow = [Float]()
            var k = 0
            for (size, stride) in zip(sizes, strides) {
                for y in 0..<size {
                    for x in 0..<size {
                        points[k] = Float(x) + 0.5
                        points[anchors + k] = Float(y) + 0.5
                        strideRow.append(Float(stride))
                        k += 1
                    }
                }
            }
            let anchorPoints = constant("/model.11/Constant_12_output_0", Tensor(shape: [1, 2, anchors], float32: points))
            let x1y1 = m.addNode("Sub", name: "/model.11/Sub", inputs: [anchorPoints, lt], outputs: ["/model.11/Sub_output_0"])
            let x2y2 = m.addNode("Add", name: "/model.11/Add_1", inputs: [anchorPoints, rb], outputs: ["/model.11/Add_1_output_0"])
            let sum = m.addNode("Add", name: "/model.11/Add_2", inputs: [x1y1, x2y2], outputs: ["/model.11/Add_2_output_0"])
            let half = constant("/model.11/Constant_14_output_0", Tensor(shape: [], float32: [2]))
            let center = m.addNode("Div", name: "/model.11/Div_1", inputs: [sum, half], outputs: ["/model.11/Div_1_output_0"])
            let wh = m.addNode("Sub", name: "/model.11/Sub_1", inputs: [x2y2, x1y1], outputs: ["/model.11/Sub_1_output_0"])
            let xywh = m.addNode("Concat", name: "/model.11/Concat_2", inputs: [center, wh], outputs: ["/model.11/Concat_2_output_0"], attributes: ["axis": .int(1)])
            let strideTensor = constant("/model.11/Constant_15_output_0", Tensor(shape: [1, anchors], float32: strideRow))
            let scaled = m.addNode("Mul", name: "/model.11/Mul_2", inputs: [xywh, strideTensor], outputs: ["/model.11/Mul_2_output_0"])
            let scores = m.addNode("Sigmoid", name: "/model.11/Sigmoid", inputs: [cls], outputs: ["/model.11/Sigmoid_output_0"])
            m.addNode("Concat", name: "/model.11/Concat_3", inputs: [scaled, scores], outputs: ["output0"], attributes: ["axis": .int(1)])
            m.addOutput("output0", shape: [1, 4 + nc, anchors])
            return m.serialized()
        }
    }
}
