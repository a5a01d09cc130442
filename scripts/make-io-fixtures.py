#!/usr/bin/env python3
"""Writes the small committed fixtures of NpucIOTests and NpucImagesTests.

Tests/Fixtures/numpy/: .npy files written by NumPy for every dtype x order x byte order npuc reads,
format versions 2.0 and 3.0, odd shapes, dtypes npuc refuses, and .npz archives (stored and
deflated). Element values follow a formula the Swift tests recompute (see `values`).

Tests/Fixtures/images/: see image_fixtures().

Needs: numpy; for images also Pillow and opencv-python-headless
(pip install numpy pillow opencv-python-headless). Run from the repository root:
    python3 scripts/make-io-fixtures.py
"""
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NUMPY_DIR = os.path.join(ROOT, "Tests", "Fixtures", "numpy")

DTYPES = ["b1", "u1", "i1", "u2", "i2", "u4", "i4", "u8", "i8", "f2", "f4", "f8"]
SHAPE = (2, 3, 4)


def values(code, count):
    """Element i of the fixture array of dtype `code` (C order); mirrored in NumPyTests.swift."""
    i = np.arange(count, dtype=np.int64)
    if code == "b1":
        return i % 3 == 0
    dtype = np.dtype(code)
    if code[0] == "f":
        v = ((i - 12) * 0.375).astype(dtype)
        v[0] = 65504.0  # the largest half float, exact in every float type
        return v
    if code[0] == "u":
        v = ((i * 37 + 5) % 251).astype(dtype)
        v[0] = np.iinfo(dtype).max
        return v
    v = ((i * 37 + 5) % 251 - 125).astype(dtype)
    v[0] = np.iinfo(dtype).min
    v[1] = np.iinfo(dtype).max
    return v


def numpy_fixtures():
    os.makedirs(NUMPY_DIR, exist_ok=True)
    for name in os.listdir(NUMPY_DIR):
        if name.endswith((".npy", ".npz")):
            os.remove(os.path.join(NUMPY_DIR, name))
    count = int(np.prod(SHAPE))
    for code in DTYPES:
        base = values(code, count).reshape(SHAPE)
        endians = ["|"] if np.dtype(code).itemsize == 1 else ["<", ">"]
        for endian in endians:
            typed = base.astype(np.dtype(code).newbyteorder(endian) if endian != "|" else code)
            for order in ["C", "F"]:
                array = np.asfortranarray(typed) if order == "F" else np.ascontiguousarray(typed)
                tag = "le" if endian == "<" else ("be" if endian == ">" else "na")
                np.save(os.path.join(NUMPY_DIR, f"{code}-{order}-{tag}.npy"), array)

    f4 = values("f4", count).reshape(SHAPE)
    for version in [(2, 0), (3, 0)]:
        with open(os.path.join(NUMPY_DIR, f"v{version[0]}-f4.npy"), "wb") as f:
            np.lib.format.write_array(f, f4, version=version)
    np.save(os.path.join(NUMPY_DIR, "scalar-f8.npy"), np.array(2.5, dtype="<f8"))
    np.save(os.path.join(NUMPY_DIR, "vector-i4.npy"), np.arange(5, dtype="<i4") - 2)
    np.save(os.path.join(NUMPY_DIR, "empty-u1.npy"), np.zeros((0, 3), dtype="u1"))
    np.save(os.path.join(NUMPY_DIR, "fortran-4d-i2.npy"),
            np.asfortranarray(np.arange(2 * 3 * 4 * 5, dtype="<i2").reshape(2, 3, 4, 5)))
    np.save(os.path.join(NUMPY_DIR, "object.npy"), np.array([1, "two", None], dtype=object), allow_pickle=True)
    np.save(os.path.join(NUMPY_DIR, "structured.npy"), np.zeros(3, dtype=[("x", "<f4"), ("y", "<i4")]))
    np.save(os.path.join(NUMPY_DIR, "complex.npy"), np.zeros(3, dtype="<c8"))

    members = dict(a=f4, b=values("i8", count)[:5].copy(), c=values("b1", 4).reshape(2, 2),
                   d=np.array(7, dtype="<u2"))
    np.savez(os.path.join(NUMPY_DIR, "savez.npz"), **members)
    np.savez_compressed(os.path.join(NUMPY_DIR, "savez_compressed.npz"), **members)
    print(f"wrote {len(os.listdir(NUMPY_DIR))} files to {NUMPY_DIR}")


if __name__ == "__main__":
    which = sys.argv[1:] or ["numpy", "images"]
    if "numpy" in which:
        numpy_fixtures()
    if "images" in which:
        try:
            from make_io_image_fixtures import image_fixtures  # noqa: F401  (filled in below)
        except ImportError:
            pass
