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



IMAGES_DIR = os.path.join(ROOT, "Tests", "Fixtures", "images")


def photo(width=67, height=45, seed=1):
    """A photo-like RGB image: smooth gradients, a few sharp shapes and mild noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    r = 128 + 100 * np.sin(x / 9.0) * np.cos(y / 13.0)
    g = 60 + 150 * (x / width) * (1 - y / height) + 20 * np.sin((x + y) / 5.0)
    b = 200 - 140 * (y / height) + 30 * np.cos(x / 4.0)
    image = np.stack([r, g, b], axis=-1)
    image[(x - width * 0.3) ** 2 + (y - height * 0.6) ** 2 < (height * 0.2) ** 2] = [250, 240, 30]
    image[int(height * 0.1):int(height * 0.35), int(width * 0.6):int(width * 0.9)] = [20, 30, 160]
    image += rng.normal(0, 6, image.shape)
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def document(width=120, height=84):
    """A document-like page: white paper, dark text lines and a gray figure box."""
    from PIL import Image, ImageDraw
    page = Image.new("RGB", (width, height), (250, 250, 248))
    draw = ImageDraw.Draw(page)
    draw.text((6, 4), "1 Introduction", fill=(10, 10, 10))
    for i, line in enumerate(["The quick brown fox", "jumps over the lazy", "dog; calibration"]):
        draw.text((6, 20 + 11 * i), line, fill=(30, 30, 30))
    draw.rectangle((70, 55, 112, 78), fill=(180, 190, 200), outline=(0, 0, 0))
    return np.asarray(page).copy()


def png_bytes(samples, color_type, bit_depth, palette=None, trns=None, interlace=False):
    """A PNG written by hand (any color type and bit depth, optional Adam7 interlace).

    `samples` is H x W x channels of integers already at `bit_depth`."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    height, width = samples.shape[:2]
    channels = samples.shape[2]

    def raw_rows(sub):
        out = b""
        for row in sub:
            flat = row.reshape(-1)
            if bit_depth == 16:
                data = flat.astype(">u2").tobytes()
            elif bit_depth == 8:
                data = flat.astype(np.uint8).tobytes()
            else:
                per = 8 // bit_depth
                padded = np.concatenate([flat, np.zeros((-len(flat)) % per, dtype=flat.dtype)]).astype(np.uint8)
                packed = np.zeros(len(padded) // per, dtype=np.uint8)
                for k in range(per):
                    packed |= padded[k::per] << (8 - bit_depth * (k + 1))
                data = packed.tobytes()
            out += b"\x00" + data  # filter type 0
        return out

    if interlace:
        passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
        raw = b""
        for x0, y0, dx, dy in passes:
            sub = samples[y0::dy, x0::dx]
            if sub.shape[0] and sub.shape[1]:
                raw += raw_rows(sub)
    else:
        raw = raw_rows(samples)
    assert channels == {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color_type]
    out = b"\x89PNG\r\n\x1a\n"
    out += chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 1 if interlace else 0))
    if palette is not None:
        out += chunk(b"PLTE", palette.astype(np.uint8).tobytes())
    if trns is not None:
        out += chunk(b"tRNS", trns)
    out += chunk(b"IDAT", zlib.compress(raw, 9))
    out += chunk(b"IEND", b"")
    return out


def bmp_bytes(rgb, bits=24, top_down=False, bitfields=False):
    """An uncompressed BMP written by hand (24-bit, or 32-bit BI_RGB / BI_BITFIELDS)."""
    import struct
    height, width = rgb.shape[:2]
    row_bytes = (width * bits + 31) // 32 * 4
    rows = []
    for y in range(height):
        src = rgb[y if top_down else height - 1 - y]
        if bits == 24:
            data = src[:, ::-1].astype(np.uint8).tobytes()
        elif bitfields:  # masks R=0x0000FF00, G=0x00FF0000, B=0xFF000000 (an unusual but legal layout)
            data = b"".join(bytes([0x7F, p[0], p[1], p[2]]) for p in src)
        else:  # BGRX with a junk alpha byte
            data = b"".join(bytes([p[2], p[1], p[0], 0x55]) for p in src)
        rows.append(data + b"\x00" * (row_bytes - len(data)))
    masks = struct.pack("<III", 0x0000FF00, 0x00FF0000, 0xFF000000) if bitfields else b""
    offset = 14 + 40 + len(masks)
    header = struct.pack("<IiiHHIIiiII", 40, width, -height if top_down else height, 1, bits,
                         3 if bitfields else 0, row_bytes * height, 2835, 2835, 0, 0)
    data = b"".join(rows)
    return b"BM" + struct.pack("<IHHI", offset + len(data), 0, 0, offset) + header + masks + data


def image_fixtures():
    from PIL import Image, ImageOps
    import cv2

    os.makedirs(IMAGES_DIR, exist_ok=True)
    for name in os.listdir(IMAGES_DIR):
        os.remove(os.path.join(IMAGES_DIR, name))
    refs = {}

    def save_ref(name, rgb):
        refs[name] = np.ascontiguousarray(rgb, dtype=np.uint8)

    def out(name):
        return os.path.join(IMAGES_DIR, name)

    src = photo()
    pil = Image.fromarray(src)
    # JPEG variants; the reference is Pillow's (libjpeg-turbo) decode.
    pil.save(out("photo-420.jpg"), quality=90, subsampling=2)
    pil.save(out("photo-422.jpg"), quality=90, subsampling=1)
    pil.save(out("photo-444.jpg"), quality=95, subsampling=0)
    pil.save(out("photo-progressive.jpg"), quality=90, progressive=True)
    pil.convert("L").save(out("photo-gray.jpg"), quality=90)
    pil.convert("CMYK").save(out("photo-cmyk.jpg"), quality=90)
    Image.fromarray(document()).save(out("document.jpg"), quality=90)
    for orientation in range(2, 9):
        exif = Image.Exif()
        exif[0x0112] = orientation
        pil.save(out(f"photo-exif-{orientation}.jpg"), quality=90, exif=exif.tobytes())
    for name in sorted(os.listdir(IMAGES_DIR)):
        if name.endswith(".jpg"):
            with Image.open(out(name)) as im:
                save_ref(name, np.asarray(ImageOps.exif_transpose(im).convert("RGB")))

    # PNG variants written by hand; the reference is what npuc promises: 16-bit keeps the high
    # byte, gray is replicated, palettes are looked up, alpha is dropped.
    gray8 = src.mean(axis=2).astype(np.uint8)
    rng = np.random.default_rng(7)
    alpha8 = rng.integers(0, 256, gray8.shape, dtype=np.uint8)
    src16 = src.astype(np.uint16) * 257 + rng.integers(0, 256, src.shape).astype(np.uint16)
    gray16 = gray8.astype(np.uint16) * 257 + rng.integers(0, 256, gray8.shape).astype(np.uint16)
    palette = rng.integers(0, 256, (16, 3), dtype=np.uint8)
    indexes = (gray8 // 16).astype(np.uint8)
    rep = lambda g: np.repeat(g[:, :, None], 3, axis=2)
    pngs = {
        "rgb8.png": (png_bytes(src, 2, 8), src),
        "rgb8-interlaced.png": (png_bytes(src, 2, 8, interlace=True), src),
        "rgba8.png": (png_bytes(np.dstack([src, alpha8]), 6, 8), src),
        "gray8.png": (png_bytes(gray8[:, :, None], 0, 8), rep(gray8)),
        "gray-alpha8.png": (png_bytes(np.dstack([gray8, alpha8]), 4, 8), rep(gray8)),
        "gray1.png": (png_bytes((gray8 >> 7)[:, :, None], 0, 1), rep((gray8 >> 7) * 255)),
        "gray2.png": (png_bytes((gray8 >> 6)[:, :, None], 0, 2), rep((gray8 >> 6) * 85)),
        "gray4-interlaced.png": (png_bytes((gray8 >> 4)[:, :, None], 0, 4, interlace=True), rep((gray8 >> 4) * 17)),
        "gray16.png": (png_bytes(gray16[:, :, None], 0, 16), rep((gray16 >> 8).astype(np.uint8))),
        "rgb16.png": (png_bytes(src16, 2, 16), (src16 >> 8).astype(np.uint8)),
        "rgba16-interlaced.png": (png_bytes(np.dstack([src16, gray16]), 6, 16, interlace=True),
                                  (src16 >> 8).astype(np.uint8)),
        "palette4.png": (png_bytes(indexes[:, :, None], 3, 4, palette=palette), palette[indexes]),
        "palette8-trns.png": (png_bytes(indexes[:, :, None], 3, 8, palette=palette, trns=bytes(range(0, 256, 16))),
                              palette[indexes]),
    }
    for name, (data, expected) in pngs.items():
        with open(out(name), "wb") as f:
            f.write(data)
        save_ref(name, expected)
        # Cross-check with OpenCV (which also keeps the high byte of 16-bit samples and drops alpha).
        decoded = cv2.imread(out(name), cv2.IMREAD_COLOR)
        decoded = cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB)
        assert (decoded == expected).all(), name

    # BMP variants.
    bmps = {
        "rgb24.bmp": bmp_bytes(src, 24),
        "rgb24-topdown.bmp": bmp_bytes(src, 24, top_down=True),
        "rgb32.bmp": bmp_bytes(src, 32),
        "rgb32-bitfields.bmp": bmp_bytes(src, 32, bitfields=True),
    }
    for name, data in bmps.items():
        with open(out(name), "wb") as f:
            f.write(data)
        save_ref(name, src)
    Image.fromarray(src).quantize(colors=32).save(out("palette8.bmp"))
    with Image.open(out("palette8.bmp")) as im:
        save_ref("palette8.bmp", np.asarray(im.convert("RGB")))
    for name in ["rgb24.bmp", "rgb24-topdown.bmp", "rgb32.bmp", "palette8.bmp"]:
        with Image.open(out(name)) as im:
            assert (np.asarray(im.convert("RGB")) == refs[name]).all(), name

    # Files that must be refused, each for a reason the tests check.
    good = open(out("photo-420.jpg"), "rb").read()
    sos = good.index(b"\xff\xda")
    with open(out("bad-truncated.jpg"), "wb") as f:  # cut inside the scan data: a warning
        f.write(good[: sos + (len(good) - sos) // 2])
    with open(out("bad-headers-truncated.jpg"), "wb") as f:  # cut before the scan
        f.write(good[: sos - 10])
    corrupt = bytearray(good)
    for i in range(sos + 40, sos + 200, 7):
        corrupt[i] = 0xFF if i % 2 else 0xD9 - (i % 5)
    with open(out("bad-corrupt.jpg"), "wb") as f:
        f.write(bytes(corrupt))
    dqt = good.index(b"\xff\xdb")
    with open(out("bad-reserved-marker.jpg"), "wb") as f:  # a segment libjpeg refuses (marker 0x02)
        f.write(good[:dqt] + b"\xff\x02\x00\x04ab" + good[dqt:])
    with open(out("bad-text.jpg"), "wb") as f:
        f.write(b"this is a text file, not a picture\n")
    open(out("bad-empty.png"), "wb").close()
    rgb8 = pngs["rgb8.png"][0]
    with open(out("bad-truncated.png"), "wb") as f:
        f.write(rgb8[: len(rgb8) * 2 // 3])
    damaged = bytearray(rgb8)
    damaged[rgb8.index(b"IDAT") + 20] ^= 0x01
    with open(out("bad-crc.png"), "wb") as f:
        f.write(bytes(damaged))
    with open(out("bad-16bit.bmp"), "wb") as f:
        f.write(bmp_bytes(src, 24)[:28] + b"\x10\x00" + bmp_bytes(src, 24)[30:])

    # Resize references: cv2.resize(INTER_LINEAR) of a photo-like and a document-like image at
    # several scale factors, down and up.
    resize_refs = {}
    for label, image in [("photo", photo(80, 60, seed=3)), ("document", document())]:
        save_ref(f"resize-source-{label}", image)
        h, w = image.shape[:2]
        for (tw, th) in [(w // 2, h // 2), (29, 22), (int(w * 0.8), int(h * 0.8)), (w * 3 // 2, h * 3 // 2),
                         (183, 137), (53, 97), (w * 2 + 3, h * 2 + 1)]:
            resize_refs[f"{label}-{tw}x{th}"] = cv2.resize(image, (tw, th), interpolation=cv2.INTER_LINEAR)
    np.savez_compressed(out("resize-cv2.npz"), **resize_refs)

    # Letterbox geometry: Ultralytics' LetterBox (auto=False, scaleup=True, center=True) on odd sizes.
    rows = []
    rng = np.random.default_rng(11)
    sizes = [(1656, 1280), (480, 640), (641, 479), (1, 1), (3, 1000), (1000, 3), (639, 641), (45, 67)]
    sizes += [tuple(int(v) for v in rng.integers(1, 3000, 2)) for _ in range(200)]
    for target in [(640, 640), (384, 640), (1024, 1024)]:
        for (h, w) in sizes:
            r = min(target[0] / h, target[1] / w)
            new_unpad = int(round(w * r)), int(round(h * r))
            dw, dh = (target[1] - new_unpad[0]) / 2, (target[0] - new_unpad[1]) / 2
            top, bottom = int(round(dh - 0.1)), int(round(dh + 0.1))
            left, right = int(round(dw - 0.1)), int(round(dw + 0.1))
            rows.append([h, w, target[0], target[1], new_unpad[0], new_unpad[1], top, bottom, left, right])
    np.save(os.path.join(IMAGES_DIR, "letterbox-ultralytics.npy"), np.array(rows, dtype="<i4"))
    # One full letterbox (pixels), as Ultralytics computes it with OpenCV.
    image = photo(67, 45, seed=5)
    h, w = image.shape[:2]
    r = min(64 / h, 64 / w)
    nw, nh = int(round(w * r)), int(round(h * r))
    dw, dh = (64 - nw) / 2, (64 - nh) / 2
    resized = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_LINEAR)
    boxed = cv2.copyMakeBorder(resized, int(round(dh - 0.1)), int(round(dh + 0.1)), int(round(dw - 0.1)),
                               int(round(dw + 0.1)), cv2.BORDER_CONSTANT, value=(114, 114, 114))
    save_ref("letterbox-source", image)
    save_ref("letterbox-64", boxed)

    np.savez_compressed(out("reference-rgb.npz"), **refs)
    print(f"wrote {len(os.listdir(IMAGES_DIR))} files to {IMAGES_DIR}")


if __name__ == "__main__":
    which = sys.argv[1:] or ["numpy", "images"]
    if "numpy" in which:
        numpy_fixtures()
    if "images" in which:
        image_fixtures()
