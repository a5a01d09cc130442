#!/usr/bin/env bash
# npuc's side of issue #5's quantization benchmark: the YOLOv8n-DocLayNet cut at its six head
# convolutions (640×640) optimized at each optimization level with the walkthrough's script lines
# and the 64 calibration pages, then scored on the eval pages (SNR of each raw output vs float,
# mAP of the decoded detections vs the float model's, docs/POSTPROCESS.md) by `npuc-bench
# quantization`. Each optimize runs under /usr/bin/time -v (wall, CPU, peak RSS). With ORT=1 the
# ONNX Runtime MinMax quantize_static runs right before every npuc optimize, so the time ratio is
# measured side by side under the same machine load.
#
# Needs: scripts/fetch-fixtures.sh, benchmarks/quantization/make-eval-set.py run once (eval pages
# as .fixtures/quantization/eval-144.npy), .fixtures/quantization/ort/calib-64.npy (written by
# ort-peer.sh: the 64 calibration pages with the peer's own preprocessing), /usr/bin/time.
# Usage: benchmarks/quantization/npuc-levels.sh   (LEVELS="0 1 2 3 4" EVAL_COUNT=144 ORT=0 OUT=dir)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LEVELS=${LEVELS:-0 1 2 3 4}
EVAL_COUNT=${EVAL_COUNT:-144}
OUT=${OUT:-$ROOT/.fixtures/quantization/npuc}
CALIB=$ROOT/.fixtures/quantization/ort/calib-64.npy
EVAL=$ROOT/.fixtures/quantization/eval-144.npy
MODEL=$ROOT/.fixtures/models/yolov8n-doclaynet.onnx

for f in "$CALIB" "$EVAL" "$MODEL"; do
  [ -s "$f" ] || { echo "missing $f — run scripts/fetch-fixtures.sh, benchmarks/quantization/ort-peer.sh and make-eval-set.py" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }

cd "$ROOT"
swift build -c release --product npuc >/dev/null
swift build -c release --product npuc-bench >/dev/null
BIN=$(swift build -c release --show-bin-path)
mkdir -p "$OUT"

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT/machine.txt"
"$BIN/npuc" parser onnx "$MODEL" --tensor-shapes images=1,3,640,640 -y -o "$OUT/yolov8n.npar" >/dev/null

# The value of a `/usr/bin/time -v` line, found by its literal label.
field() { grep -F "$1: " "$2" | sed 's/.*: //'; }
for level in $LEVELS; do
  cat > "$OUT/level$level.alls" <<EOF
normalization1 = normalization([0.0, 0.0, 0.0], [255.0, 255.0, 255.0])
model_optimization_flavor(optimization_level=$level, compression_level=0)
resources_param(max_control_utilization=0.6, max_compute_utilization=0.6, max_memory_utilization=0.6)
performance_param(fps=5)
EOF
  if [ "${ORT:-0}" = 1 ]; then
    /usr/bin/time -v -o "$OUT/ort-minmax-before-level$level.time" python3 scripts/fixtures/ort_quantize.py --child-quantize \
      .fixtures/reference/yolov8n-cut640.onnx "$CALIB" minmax 64 "$OUT/ort-minmax.onnx" "$OUT/ort-minmax-before-level$level.json" >/dev/null
  fi
  echo "level $level: optimizing" >&2
  /usr/bin/time -v -o "$OUT/level$level.time" "$BIN/npuc" optimize "$OUT/yolov8n.npar" --calib-set-path "$CALIB" \
    --model-script "$OUT/level$level.alls" -o "$OUT/level$level.npar" > "$OUT/level$level.log"
  echo "level $level: scoring on $EVAL_COUNT eval pages" >&2
  "$BIN/npuc-bench" quantization "$OUT/level$level.npar" --eval "$EVAL" --count "$EVAL_COUNT" \
    --json "$OUT/level$level.json" > "$OUT/level$level.score"
  printf 'level %s: %s | optimize wall %s, user %s s, peak RSS %s kB\n' "$level" "$(head -1 "$OUT/level$level.score")" \
    "$(field 'Elapsed (wall clock) time (h:mm:ss or m:ss)' "$OUT/level$level.time")" \
    "$(field 'User time (seconds)' "$OUT/level$level.time")" "$(field 'Maximum resident set size (kbytes)' "$OUT/level$level.time")"
  if [ "${ORT:-0}" = 1 ]; then
    printf '         ONNX Runtime MinMax just before: quantize_static %s s, wall %s, peak RSS %s kB\n' \
      "$(python3 -c "import json;print(round(json.load(open('$OUT/ort-minmax-before-level$level.json'))['quantize_static_seconds'],1))")" \
      "$(field 'Elapsed (wall clock) time (h:mm:ss or m:ss)' "$OUT/ort-minmax-before-level$level.time")" \
      "$(field 'Maximum resident set size (kbytes)' "$OUT/ort-minmax-before-level$level.time")"
  fi
done
