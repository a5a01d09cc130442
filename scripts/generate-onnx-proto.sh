#!/usr/bin/env bash
# Regenerates Sources/NpucImport/ONNX/Generated/onnx.pb.swift from onnx.proto (onnx 1.23.2).
# Run by hand when the ONNX schema changes; the generated file is committed and CI never runs this.
# Needs: protoc (apt-get install protobuf-compiler), pip install onnx==1.23.2, and the
# swift-protobuf plugin built from its 1.39.0 tag (≈1–2 min).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone -q https://github.com/apple/swift-protobuf "$work/swift-protobuf"
git -C "$work/swift-protobuf" checkout -q 1.39.0
(cd "$work/swift-protobuf" && swift build -c release --product protoc-gen-swift)
proto_dir=$(python3 -c "import onnx, os; print(os.path.dirname(onnx.__file__))")
cp "$proto_dir/onnx.proto" "$work/onnx.proto"
(cd "$work" && protoc --plugin=protoc-gen-swift="$work/swift-protobuf/.build/release/protoc-gen-swift" \
    --swift_out="$here/Sources/NpucImport/ONNX/Generated" --swift_opt=Visibility=Public onnx.proto)
echo "wrote Sources/NpucImport/ONNX/Generated/onnx.pb.swift"
