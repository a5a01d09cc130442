#!/usr/bin/env bash
# Benchmark of `npuc calib-set` against the walkthrough's OpenCV loop, in the same run, on the 64
# calibration pages of .fixtures/pages/calib (scripts/fetch-fixtures.sh --only pages), plus the
# memory check of issue 4 (1500 images of 640×640: peak RSS, and the output loads in NumPy) and
# the bad-file exit codes. Writes docs/BENCHMARKS-calib-set.md.
#
# Needs: python3 with numpy and opencv-python-headless (pip install numpy opencv-python-headless),
# /usr/bin/time (apt-get install time). NPUC=path/to/npuc to use a given binary; otherwise
# `swift build -c release --product npuc` is run.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PAGES=${PAGES:-$ROOT/.fixtures/pages/calib}
WORK=${WORK:-$(mktemp -d /tmp/npuc-calib-bench.XXXXXX)}
OUT=${OUT:-$ROOT/docs/BENCHMARKS-calib-set.md}
COUNT_1500=${COUNT_1500:-1500}
trap 'rm -rf "$WORK"' EXIT

[ -d "$PAGES" ] || { echo "no pages at $PAGES; run scripts/fetch-fixtures.sh --only pages" >&2; exit 1; }
python3 -c "import numpy, cv2" || { echo "needs: pip install numpy opencv-python-headless" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
if [ -z "${NPUC:-}" ]; then
  (cd "$ROOT" && swift build -c release --product npuc >&2)
  NPUC=$ROOT/.build/release/npuc
fi

# measure LABEL CMD... -> "wall_seconds peak_rss_mib" appended to $WORK/results.tsv
measure() {
  local label=$1; shift
  /usr/bin/time -v "$@" >"$WORK/$label.out" 2>"$WORK/$label.time" || { cat "$WORK/$label.time" >&2; return 1; }
  local wall rss cpu
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$WORK/$label.time")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$WORK/$label.time")
  cpu=$(awk -F': ' '/User time|System time/ {s+=$2} END {print s}' "$WORK/$label.time")
  printf '%s\t%s\t%s\t%s\n' "$label" "$wall" "$rss" "$cpu" >>"$WORK/results.tsv"
}

cat >"$WORK/walkthrough.py" <<'PY'
# The walkthrough's loop, verbatim apart from paths: OpenCV (BGR), plain resize, float64 array.
import os, sys, cv2, numpy as np
images_path, dataset_output_path, input_size = sys.argv[1], sys.argv[2], 640
images_list = [n for n in os.listdir(images_path) if os.path.splitext(n)[1] in [".jpg", ".png", "bmp"]][:1500]
calib_dataset = np.zeros((len(images_list), input_size, input_size, 3))
for idx, img_name in enumerate(sorted(images_list)):
    img = cv2.imread(os.path.join(images_path, img_name))
    resized = cv2.resize(img, (input_size, input_size))
    calib_dataset[idx, :, :, :] = np.array(resized)
np.save(dataset_output_path, calib_dataset)
PY
cat >"$WORK/letterbox.py" <<'PY'
# The same loop doing what `npuc calib-set --letterbox` does: RGB, Ultralytics letterbox, uint8.
import os, sys, cv2, numpy as np
folder, out, size = sys.argv[1], sys.argv[2], 640
names = sorted(n for n in os.listdir(folder) if os.path.splitext(n)[1].lower() in [".jpg", ".jpeg", ".png", ".bmp"])
data = np.zeros((len(names), size, size, 3), dtype=np.uint8)
for i, name in enumerate(names):
    img = cv2.cvtColor(cv2.imread(os.path.join(folder, name)), cv2.COLOR_BGR2RGB)
    h, w = img.shape[:2]
    r = min(size / h, size / w)
    nw, nh = int(round(w * r)), int(round(h * r))
    dw, dh = (size - nw) / 2, (size - nh) / 2
    if (nw, nh) != (w, h):
        img = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_LINEAR)
    data[i] = cv2.copyMakeBorder(img, int(round(dh - 0.1)), int(round(dh + 0.1)), int(round(dw - 0.1)),
                                 int(round(dw + 0.1)), cv2.BORDER_CONSTANT, value=(114, 114, 114))
np.save(out, data)
PY
cat >"$WORK/compare.py" <<'PY'
# max |a - b| between two .npy sets, read a row at a time.
import sys, numpy as np
a, b = np.load(sys.argv[1], mmap_mode="r"), np.load(sys.argv[2], mmap_mode="r")
assert a.shape == b.shape, (a.shape, b.shape)
print(max(int(np.abs(a[i].astype(np.int64) - b[i].astype(np.int64)).max()) for i in range(a.shape[0])))
PY

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
PAGE_COUNT=$(find "$PAGES" -maxdepth 1 -name '*.jpg' | wc -l)
echo "pages: $PAGE_COUNT in $PAGES; npuc: $NPUC" >&2
: >"$WORK/results.tsv"
for round in 1 2 3; do
  measure "opencv-walkthrough-$round" python3 "$WORK/walkthrough.py" "$PAGES" "$WORK/cv-walk.npy"
  measure "opencv-letterbox-$round" python3 "$WORK/letterbox.py" "$PAGES" "$WORK/cv-lb.npy"
  measure "npuc-letterbox-$round" "$NPUC" calib-set "$PAGES" --size 640 --letterbox --quiet -o "$WORK/npuc-lb.npy"
  measure "npuc-resize-bgr-$round" "$NPUC" calib-set "$PAGES" --size 640 --bgr --quiet -o "$WORK/npuc-walk.npy"
done
DIFF_LB=$(python3 "$WORK/compare.py" "$WORK/cv-lb.npy" "$WORK/npuc-lb.npy")
DIFF_WALK=$(python3 "$WORK/compare.py" "$WORK/cv-walk.npy" "$WORK/npuc-walk.npy")

# Issue 4, must hold 4: 1500 images of 640×640, peak RSS, and NumPy loads the output.
mkdir -p "$WORK/many"
python3 - "$PAGES" "$WORK/many" "$COUNT_1500" <<'PY'
import os, sys, cv2
pages, out, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
names = sorted(n for n in os.listdir(pages) if n.endswith(".jpg"))
for i in range(count):
    img = cv2.imread(os.path.join(pages, names[i % len(names)]))
    h, w = img.shape[:2]
    y = (i * 37) % max(1, h - 640)
    cv2.imwrite(os.path.join(out, f"{i:04d}.jpg"), img[y:y + 640, :640], [cv2.IMWRITE_JPEG_QUALITY, 90])
PY
measure "npuc-1500-1" "$NPUC" calib-set "$WORK/many" --size 640 --quiet -o "$WORK/many.npy"
LOAD=$(python3 -c "import numpy as np; a = np.load('$WORK/many.npy', mmap_mode='r'); print(a.shape, a.dtype)")
rm -rf "$WORK/many"

# Issue 4, must hold 5: bad files are skipped (exit 0), only bad files fail (exit 1).
mkdir -p "$WORK/mixed" "$WORK/bad"
cp "$PAGES"/000_*.jpg "$PAGES"/001_*.jpg "$WORK/mixed/"
head -c 3000 "$PAGES"/002_*.jpg >"$WORK/mixed/corrupt.jpg"; cp "$WORK/mixed/corrupt.jpg" "$WORK/bad/"
: >"$WORK/mixed/zero.png"; : >"$WORK/bad/zero.png"
echo "not an image" >"$WORK/mixed/text.jpg"; cp "$WORK/mixed/text.jpg" "$WORK/bad/"
set +e
"$NPUC" calib-set "$WORK/mixed" --size 640 --quiet -o "$WORK/mixed.npy" >"$WORK/mixed.out" 2>"$WORK/mixed.err"; MIXED_EXIT=$?
"$NPUC" calib-set "$WORK/bad" --size 640 --quiet -o "$WORK/bad.npy" >"$WORK/bad.out" 2>"$WORK/bad.err"; BAD_EXIT=$?
set -e

# median wall time and largest RSS of the runs labelled PREFIX-N
median() { grep -E "^$1-[0-9]+\b" "$WORK/results.tsv" | cut -f2 | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
maxrss() { grep -E "^$1-[0-9]+\b" "$WORK/results.tsv" | cut -f3 | sort -n | tail -1; }
cpu() { grep -E "^$1-[0-9]+\b" "$WORK/results.tsv" | cut -f4 | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
runs() { grep -cE "^$1-[0-9]+\b" "$WORK/results.tsv"; }
row() { printf '%.2f s (median of %d) | %.2f s | %d MiB' "$(median "$1")" "$(runs "$1")" "$(cpu "$1")" "$(maxrss "$1")"; }
SPEEDUP=$(awk -v a="$(median opencv-letterbox)" -v b="$(median npuc-letterbox)" 'BEGIN {printf "%.1f", a/b}')
SPEEDUP_WALK=$(awk -v a="$(median opencv-walkthrough)" -v b="$(median npuc-resize-bgr)" 'BEGIN {printf "%.1f", a/b}')
CPU_RATIO=$(awk -v a="$(cpu opencv-letterbox)" -v b="$(cpu npuc-letterbox)" 'BEGIN {printf "%.1f", a/b}')
CPU=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
{
  echo "# Benchmark: \`npuc calib-set\` against the walkthrough's OpenCV loop"
  echo
  echo "Generated by \`benchmarks/calib-set.sh\` on $(date -u +%Y-%m-%d). Machine: $CPU, $(nproc) cores,"
  echo "$(free -g | awk '/Mem:/ {print $2}') GiB; OpenCV $(python3 -c 'import cv2; print(cv2.__version__)'),"
  echo "NumPy $(python3 -c 'import numpy; print(numpy.__version__)'), $(swift --version 2>/dev/null | head -1)."
  echo "Input: the $PAGE_COUNT calibration pages of FIXTURES.md (JPEG, 1280 px wide, rendered by"
  echo "scripts/fetch-fixtures.sh). Wall time is the median of 3 runs in the same session; peak RSS is the"
  echo "largest of them (\`/usr/bin/time -v\`). npuc uses both cores (one decoder per core); OpenCV's loop"
  echo "is Python, as the walkthrough writes it. Load average when the run started: $LOAD_BEFORE (the 2 cores"
  echo "are shared with other work, so wall times are noisy; CPU time is the steadier measure)."
  echo
  echo "| what | wall time | CPU time (user+sys, median) | peak RSS |"
  echo "|---|---|---|---|"
  echo "| walkthrough loop: cv2.imread + cv2.resize 640×640, float64 array, np.save | $(row opencv-walkthrough) |"
  echo "| the same loop with Ultralytics letterbox, RGB, uint8 | $(row opencv-letterbox) |"
  echo "| \`npuc calib-set --size 640 --letterbox\` (RGB, uint8, streaming) | $(row npuc-letterbox) |"
  echo "| \`npuc calib-set --size 640 --bgr\` (the walkthrough's pixels, uint8) | $(row npuc-resize-bgr) |"
  echo
  echo "Speed-up, decode + letterbox + write, wall time: **${SPEEDUP}×** (goal ≥ 2×); CPU time: ${CPU_RATIO}×"
  echo "less; against the walkthrough's loop as written (wall): ${SPEEDUP_WALK}×."
  echo
  echo "Same pixels: max |npuc − OpenCV| over all $PAGE_COUNT pages = **$DIFF_LB** (letterbox) and"
  echo "**$DIFF_WALK** (plain resize, BGR, against the walkthrough's float64 values)."
  echo
  echo "## Memory on a large set (issue 4, must hold 4)"
  echo
  echo "$COUNT_1500 JPEG images of 640×640 (crops of the pages), \`npuc calib-set --size 640\`:"
  echo "$(median npuc-1500) s wall, **$(maxrss npuc-1500) MiB peak RSS** (limit: 200 MB). The output loads with \`numpy.load\` as $LOAD."
  echo "The walkthrough's loop would hold $COUNT_1500×640×640×3 float64 = $(( COUNT_1500 * 640 * 640 * 3 * 8 / 1024 / 1024 )) MiB in memory."
  echo
  echo "## Bad files (issue 4, must hold 5)"
  echo
  echo "A folder with two good pages, a truncated JPEG, a zero-byte PNG and a text file named .jpg:"
  echo "exit code $MIXED_EXIT; stdout \`$(sed "s|$WORK|WORK|g" "$WORK/mixed.out")\`; stderr:"
  echo
  echo '```'
  sed "s|$WORK|WORK|g" "$WORK/mixed.err"
  echo '```'
  echo
  echo "The same three bad files alone: exit code $BAD_EXIT; stderr:"
  echo
  echo '```'
  sed "s|$WORK|WORK|g" "$WORK/bad.err"
  echo '```'
  echo
  echo "Reproduce: \`bash benchmarks/calib-set.sh\` (NPUC=path to use a given binary)."
} >"$OUT"
cat "$OUT"
