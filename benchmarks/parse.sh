#!/usr/bin/env bash
# Times `npuc parser onnx` (release build) on YOLOv8n-DocLayNet: the uncut parse with -y (which
# parses twice: once to find the head, once cut at it) and the explicit cut, 5 runs each, and
# prints wall time and peak RSS per run. Needs the fixtures (scripts/fetch-fixtures.sh).
set -Eeuo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
MODEL=.fixtures/models/yolov8n-doclaynet.onnx
[ -f "$MODEL" ] || { echo "missing $MODEL: run scripts/fetch-fixtures.sh" >&2; exit 1; }
swift build -c release --product npuc >/dev/null
NPUC=.build/release/npuc
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
ENDS="/model.22/cv2.0/cv2.0.2/Conv /model.22/cv3.0/cv3.0.2/Conv /model.22/cv2.1/cv2.1.2/Conv /model.22/cv3.1/cv3.1.2/Conv /model.22/cv2.2/cv2.2.2/Conv /model.22/cv3.2/cv3.2.2/Conv"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
for mode in explicit -y; do
  for run in 1 2 3 4 5; do
    if [ "$mode" = -y ]; then args=(-y); else args=(--end-node-names $ENDS); fi
    /usr/bin/time -f "$mode run $run: %e s wall, %M KB peak RSS" "$NPUC" parser onnx "$MODEL" \
      --tensor-shapes images=1,3,640,640 "${args[@]}" -o "$OUT/y.npar" >/dev/null 2>"$OUT/err" || { cat "$OUT/err"; exit 1; }
    tail -n 1 "$OUT/err"
  done
done
