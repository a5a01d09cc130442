#!/usr/bin/env python3
"""Writes the evaluation pages as a uint8 N×640×640×3 .npy with exactly the preprocessing the
ONNX Runtime peer uses (scripts/fixtures/ort_quantize.py: PIL RGB, bilinear resize to 640×640),
so npuc and the peer are scored on identical inputs. Usage: make-eval-set.py OUT.npy [COUNT]"""
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts", "fixtures"))
from ort_quantize import pages, preprocess  # noqa: E402

out = sys.argv[1]
count = int(sys.argv[2]) if len(sys.argv) > 2 else 144
eval_dir = os.path.join(ROOT, ".fixtures", "pages", "eval")
names = pages(eval_dir, count)
np.save(out, np.stack([preprocess(os.path.join(eval_dir, p)) for p in names]))
print(f"wrote {out}: {len(names)} pages")
