#!/usr/bin/env python3
"""Per-layer time of npuc's float executor next to ONNX Runtime's profiler, for the YOLOv8n cut
(minimum over runs of each step; same thread count for both). ORT runs SiLU as a separate
"QuickGelu" node while npuc fuses it into the convolution, so convolution rows compare npuc's
conv+SiLU with ORT's conv alone; the totals line adds ORT's QuickGelu time.

    benchmarks/executor/compare_layers.py [--threads 1] [--runs 12] [--bench PATH]
"""
import argparse, collections, json, os, re, shutil, subprocess, sys, tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / ".fixtures" / "reference" / "yolov8n-cut640.onnx"


def ort_profile(threads, runs):
    import numpy as np
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.enable_profiling = True
    # The profile is a temporary file, not something to leave in the working directory.
    so.profile_file_prefix = os.path.join(tempfile.mkdtemp(prefix="npuc-ort-profile-"), "ort")
    s = ort.InferenceSession(str(MODEL), so, providers=["CPUExecutionProvider"])
    x = np.random.default_rng(0).random((1, 3, 640, 640), dtype=np.float32)
    for _ in range(runs):
        s.run(None, {"images": x})
    profile = s.end_profiling()
    events = json.load(open(profile))
    shutil.rmtree(os.path.dirname(profile), ignore_errors=True)
    per = collections.defaultdict(list)
    for e in events:
        if e.get("cat") == "Node" and e["name"].endswith("_kernel_time"):
            per[(e["name"][:-12], e["args"].get("op_name"))].append(e["dur"] / 1000)
    return {k: min(v) for k, v in per.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--runs", type=int, default=12)
    ap.add_argument("--bench", default=str(ROOT / ".build-exec" / "release" / "npuc-executor-bench"))
    a = ap.parse_args()
    env = dict(os.environ, NPUC_THREADS=str(a.threads))
    out = subprocess.run([a.bench, "--model", str(MODEL), "--runs", str(a.runs), "--profile"], capture_output=True,
                         text=True, check=True, env=env).stdout.splitlines()
    npuc = {}
    for line in out[1:]:
        parts = line.split()
        npuc[parts[3]] = (float(parts[0]), parts[2])
    ort = ort_profile(a.threads, a.runs)
    ort_conv = {}
    ort_by_op = collections.Counter()
    for (name, op), ms in ort.items():
        ort_by_op[op] += ms
        m = re.match(r"(.*/Conv)", name)
        if op == "Conv" and m:
            ort_conv[m.group(1)] = ms
    npuc_total = sum(v[0] for v in npuc.values())
    print(f"threads {a.threads}; sums of per-step minima: npuc {npuc_total:.1f} ms, ONNX Runtime {sum(ort_by_op.values()):.1f} ms")
    print("ONNX Runtime by op: " + ", ".join(f"{op} {ms:.1f}" for op, ms in ort_by_op.most_common()))
    by_kernel = collections.Counter()
    for ms, kernel in npuc.values():
        by_kernel[kernel] += ms
    print("npuc by kernel: " + ", ".join(f"{k} {ms:.1f}" for k, ms in by_kernel.most_common()))
    print("| npuc step | npuc ms | ORT conv ms | ratio |")
    print("|---|---|---|---|")
    rows = sorted(npuc.items(), key=lambda kv: -kv[1][0])
    for name, (ms, kernel) in rows[:30]:
        o = ort_conv.get(name)
        print(f"| {name} ({kernel}) | {ms:.2f} | {o:.2f} | {ms / o:.2f} |" if o else f"| {name} ({kernel}) | {ms:.2f} | | |")


if __name__ == "__main__":
    main()
