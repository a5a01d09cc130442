#!/usr/bin/env bash
# The ONNX Runtime peer of issue #5's quantization benchmark: runs scripts/fixtures/ort_quantize.py
# (quantize_static MinMax / Percentile / MinMax+reduce_range on the YOLOv8n-DocLayNet cut, 64
# calibration pages; scoring on the eval pages with npuc's protocol, docs/POSTPROCESS.md), writes
# benchmarks/quantization/ort-results.json and the "ONNX Runtime (peer)" section of
# docs/BENCHMARKS-quantization.md. It also refreshes .fixtures/reference/postprocess-check.{npz,json}
# that Tests/NpucRuntimeTests/PythonAgreementTests.swift compares against.
#
# Needs: scripts/fetch-fixtures.sh (models, pages, reference), python3 with numpy, Pillow, onnx,
# onnxruntime; /usr/bin/time (apt-get install time). Percentile keeps every activation of every
# calibration image in memory (≈15 GB for 64 pages): PERCENTILE_CALIB=N uses the first N pages.
# Usage: benchmarks/quantization/ort-peer.sh   (METHODS=minmax,percentile,minmax-reduce-range EVAL_COUNT=144)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
METHODS=${METHODS:-minmax,percentile,minmax-reduce-range}
EVAL_COUNT=${EVAL_COUNT:-144}
OUT=${OUT:-$ROOT/benchmarks/quantization/ort-results.json}
DOC=${DOC:-$ROOT/docs/BENCHMARKS-quantization.md}

[ -s "$ROOT/.fixtures/reference/yolov8n-cut640.onnx" ] || { echo "run scripts/fetch-fixtures.sh first (reference part missing)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
python3 -c "import numpy, PIL, onnx, onnxruntime" || { echo "needs: pip install numpy pillow onnx onnxruntime" >&2; exit 1; }

args=(--methods "$METHODS" --eval-count "$EVAL_COUNT" --out "$OUT")
[ -n "${PERCENTILE_CALIB:-}" ] && args+=(--percentile-calib-count "$PERCENTILE_CALIB")
cd "$ROOT"
python3 scripts/fixtures/ort_quantize.py "${args[@]}"
python3 benchmarks/quantization/render_ort_section.py "$OUT" "$DOC"
