#!/usr/bin/env python3
"""Executor benchmark: YOLOv8n-DocLayNet cut at 640, fp32, batch 1, both cores — npuc's float
executor side by side with ONNX Runtime (CPU, 2 intra-op threads) in the same run.

Rounds alternate ORT and npuc (a fresh `npuc-executor-bench` process per round), so both see the same
machine load; each reports every latency; the table gives the median, the 10th percentile and
the minimum over all rounds, and the ratio npuc / ORT of the medians.

    benchmarks/executor/bench_yolo.py [--rounds 5] [--runs 20] [--bench PATH/npuc-executor-bench]

Needs .fixtures (scripts/fetch-fixtures.sh --only reference) and `pip install onnxruntime`.
"""
import argparse, json, os, platform, statistics, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / ".fixtures"
MODEL = FIX / "reference" / "yolov8n-cut640.onnx"
PAGE = FIX / "reference" / "yolov8n-cut640-ort" / "000_reportlab_p016.npz"


def cpu_model():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def summary(xs):
    xs = sorted(xs)
    return {"median": statistics.median(xs), "p10": xs[max(0, int(len(xs) * 0.1) - 1)], "min": xs[0], "n": len(xs)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--bench", default=str(ROOT / ".build" / "release" / "npuc-executor-bench"))
    ap.add_argument("--threads", type=int, default=2, help="threads for both (ORT intra-op threads, NPUC_THREADS)")
    ap.add_argument("--json", help="also write the results here")
    a = ap.parse_args()

    import numpy as np
    import onnxruntime as ort

    if not MODEL.exists() or not PAGE.exists():
        sys.exit("needs .fixtures/reference — run scripts/fetch-fixtures.sh --only reference")
    images = np.load(PAGE)["images"]
    so = ort.SessionOptions()
    so.intra_op_num_threads = a.threads
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(str(MODEL), so, providers=["CPUExecutionProvider"])
    for _ in range(a.warmup):
        sess.run(None, {"images": images})

    load_before = os.getloadavg()[0]
    ort_ms, npuc_ms, ort_cpu, npuc_cpu, info = [], [], [], [], {}
    cmd = [a.bench, "--model", str(MODEL), "--input", str(PAGE), "--runs", str(a.runs), "--warmup", str(a.warmup)]
    for r in range(a.rounds):
        for _ in range(a.runs):
            t, c = time.perf_counter(), time.process_time()
            sess.run(None, {"images": images})
            ort_ms.append((time.perf_counter() - t) * 1e3)
            ort_cpu.append((time.process_time() - c) * 1e3)
        env = dict(os.environ, NPUC_THREADS=str(a.threads))
        out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env).stdout
        info = json.loads(out)
        npuc_ms += info["latencies_ms"]
        npuc_cpu += info.get("cpu_ms", [])
        print(f"round {r + 1}/{a.rounds}: ORT median {statistics.median(ort_ms[-a.runs:]):.1f} ms, "
              f"npuc median {statistics.median(info['latencies_ms']):.1f} ms", file=sys.stderr)

    o, n = summary(ort_ms), summary(npuc_ms)
    ratio = n["median"] / o["median"]
    print(f"machine: {cpu_model()}, {os.cpu_count()} CPUs; onnxruntime {ort.__version__}; npuc kernels: {info.get('kernels')}")
    print(f"load average (1 min) before/after: {load_before:.2f} / {os.getloadavg()[0]:.2f} (other processes share the cores)")
    print(f"model: {MODEL.relative_to(ROOT)} ({info.get('macs', 0) / 1e9:.2f} GMAC), input 1x3x640x640 fp32, batch 1")
    print("| runtime | threads | median ms | p10 ms | min ms | runs |")
    print("|---|---|---|---|---|---|")
    print(f"| ONNX Runtime {ort.__version__} (CPU EP) | {a.threads} intra-op | {o['median']:.1f} | {o['p10']:.1f} | {o['min']:.1f} | {o['n']} |")
    print(f"| npuc float executor (native) | {info.get('cores')} | {n['median']:.1f} | {n['p10']:.1f} | {n['min']:.1f} | {n['n']} |")
    print(f"ratio npuc / ORT (medians): {ratio:.2f}")
    oc, nc = summary(ort_cpu), summary(npuc_cpu)
    print(f"CPU time per inference (all threads, user+system; contention-insensitive, but ORT's pool threads "
          f"spin while waiting): ORT median {oc['median']:.1f} ms (min {oc['min']:.1f}), npuc median {nc['median']:.1f} ms "
          f"(min {nc['min']:.1f}); ratio of minima {nc['min'] / oc['min']:.2f}")
    if a.json:
        Path(a.json).write_text(json.dumps({"ort": o, "npuc": n, "ratio": ratio, "ort_cpu": oc, "npuc_cpu": nc,
                                            "threads": a.threads, "machine": cpu_model()}, indent=2))


if __name__ == "__main__":
    main()
