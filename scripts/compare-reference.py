#!/usr/bin/env python3
"""Generates PNG pairs in every variant `envlock compare` reads, and the measures numpy and
scikit-image give for each pair: the reference the end-to-end tests (CompareTests) hold
envlock to.

Usage: compare-reference.py OUT_DIR [--size N]. Writes OUT_DIR/*.png and OUT_DIR/expected.json:
{"pairs": [{"name", "a", "b", "tolerance", "differing_pixels", "pixels_beyond_tolerance",
"max_difference", "mean_difference", "psnr", "ssim", "identical_pixels"}],
"hostile": [{"name", "path", "reason"}]}.

Pillow writes the variants it can (1-bit gray, 8-bit gray, 16-bit gray, gray+alpha, RGB, RGBA,
palette with and without tRNS, palette at 1, 2 and 4 bits). Pillow cannot write 2- and 4-bit
gray, 16-bit gray+alpha, RGB or RGBA, interlaced images, or a chosen row filter, so a small
writer here does (`write_png`, every row filter in turn); each of its 8-bit outputs is read
back with Pillow and must give the samples written. The expected measures are computed on the
samples as envlock compares them (gray below 8 bits scaled to 0-255 as Pillow's L mode does,
a palette expanded to RGB or RGBA).
"""
import json
import struct
import sys
import zlib

import numpy as np
from PIL import Image
from skimage.metrics import peak_signal_noise_ratio, structural_similarity


def photo_like(rng, height, width, channels, max_value):
    """Smooth shapes, edges and sensor-like noise: what SSIM is meant for."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    planes = []
    for c in range(channels):
        field = 0.5 + 0.25 * np.sin(x / (7 + 3 * c)) * np.cos(y / (11 + c)) + 0.15 * ((x + 2 * y) / (width + 2 * height))
        field += 0.2 * ((x - width / 3) ** 2 + (y - height / 2) ** 2 < (min(width, height) / 4) ** 2)
        field += rng.normal(0, 0.03, size=field.shape)
        planes.append(field)
    image = np.clip(np.stack(planes, axis=-1), 0, 1) * max_value
    return np.rint(image).astype(np.uint16 if max_value > 255 else np.uint8)


def perturbed(rng, image, max_value, share=0.3, spread=6):
    """A copy with a band of pixels changed by a few units, as another GPU's kernels would."""
    out = image.astype(np.int64)
    mask = rng.random(image.shape[:2]) < share
    noise = rng.integers(-spread, spread + 1, size=image.shape)
    out[mask] += noise[mask]
    return np.clip(out, 0, max_value).astype(image.dtype)


def filter_row(kind, row, previous, stride):
    row = row.astype(np.int64)
    previous = previous.astype(np.int64)
    left = np.concatenate([np.zeros(stride, np.int64), row[:-stride]])
    upper_left = np.concatenate([np.zeros(stride, np.int64), previous[:-stride]])
    if kind == 0:
        predictor = np.zeros_like(row)
    elif kind == 1:
        predictor = left
    elif kind == 2:
        predictor = previous
    elif kind == 3:
        predictor = (left + previous) // 2
    else:
        p = left + previous - upper_left
        pa, pb, pc = abs(p - left), abs(p - previous), abs(p - upper_left)
        predictor = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, previous, upper_left))
    return ((row - predictor) % 256).astype(np.uint8)


def pack_rows(samples, depth):
    """Rows of samples (height, width*channels) as PNG bytes (height, row bytes)."""
    if depth == 16:
        return samples.astype('>u2').view(np.uint8).reshape(samples.shape[0], -1)
    if depth == 8:
        return samples.astype(np.uint8)
    return np.packbits(np.unpackbits(samples.astype(np.uint8)[..., None], axis=-1)[..., 8 - depth:].reshape(samples.shape[0], -1), axis=-1)


def write_png(path, samples, color_type, depth, interlaced=False, palette=None, transparency=None):
    """samples: (height, width, channels) as stored (palette indices for colour type 3)."""
    height, width, channels = samples.shape
    stride = max(1, channels * depth // 8)
    raw = bytearray()
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)] if interlaced else [(0, 0, 1, 1)]
    row_number = 0
    for x0, y0, dx, dy in passes:
        sub = samples[y0::dy, x0::dx]
        if sub.size == 0:
            continue
        rows = pack_rows(sub.reshape(sub.shape[0], -1), depth)
        previous = np.zeros(rows.shape[1], np.uint8)
        for row in rows:
            kind = row_number % 5
            row_number += 1
            raw.append(kind)
            raw += filter_row(kind, row, previous, stride).tobytes()
            previous = row

    def chunk(kind, data):
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))

    data = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, depth, color_type, 0, 0, 1 if interlaced else 0))
    if palette is not None:
        data += chunk(b'PLTE', bytes(palette))
    if transparency is not None:
        data += chunk(b'tRNS', bytes(transparency))
    compressed = zlib.compress(bytes(raw), 6)
    # Several IDAT chunks, as encoders write them.
    for start in range(0, len(compressed), 8192):
        data += chunk(b'IDAT', compressed[start:start + 8192])
    data += chunk(b'IEND', b'')
    with open(path, 'wb') as out:
        out.write(data)


def as_compared(path):
    """The samples as envlock compares them, read by Pillow (modes Pillow reads faithfully)."""
    image = Image.open(path)
    if image.mode == 'P':
        image = image.convert('RGBA' if 'transparency' in image.info else 'RGB')
    array = np.asarray(image)
    if array.dtype == bool:
        array = array.astype(np.uint8) * 255
    return array


def measures(a, b, max_value, tolerance):
    if a.ndim == 2:
        a, b = a[..., None], b[..., None]
    difference = np.abs(a.astype(np.int64) - b.astype(np.int64))
    per_pixel = difference.max(axis=-1)
    identical = not difference.any()
    ssim = None
    if min(a.shape[:2]) >= 7:
        ssim = float(structural_similarity(a, b, channel_axis=-1, data_range=max_value))
    return {
        "identical_pixels": bool(identical),
        "differing_pixels": int((per_pixel > 0).sum()),
        "pixels_beyond_tolerance": int((per_pixel > tolerance).sum()),
        "max_difference": int(difference.max()),
        "mean_difference": float(difference.mean()),
        "psnr": "inf" if identical else float(peak_signal_noise_ratio(a, b, data_range=max_value)),
        "ssim": ssim,
        "tolerance": tolerance,
    }


def main():
    out = sys.argv[1]
    size = int(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[2] == '--size' else 61
    rng = np.random.default_rng(28)
    pairs, hostile = [], []

    def pair(name, a_path, b_path, a, b, max_value, tolerance=2):
        entry = {"name": name, "a": a_path, "b": b_path}
        entry.update(measures(a, b, max_value, tolerance))
        pairs.append(entry)

    def check_pillow(path, expected):
        got = as_compared(path)
        assert np.array_equal(got.reshape(expected.shape), expected), f"Pillow reads {path} differently from what was written"

    h, w = size, size + 6
    # Pillow-written variants.
    for channels, name in [(1, 'gray8'), (2, 'graya8'), (3, 'rgb8'), (4, 'rgba8')]:
        a = photo_like(rng, h, w, channels, 255)
        b = perturbed(rng, a, 255)
        squeeze = (lambda x: x[..., 0]) if channels == 1 else (lambda x: x)
        Image.fromarray(squeeze(a)).save(f"{out}/{name}-a.png")
        Image.fromarray(squeeze(b)).save(f"{out}/{name}-b.png")
        check_pillow(f"{out}/{name}-a.png", squeeze(a))
        pair(name, f"{name}-a.png", f"{name}-b.png", a, b, 255)
    # 16-bit gray: Pillow's I;16.
    a = photo_like(rng, h, w, 1, 65535)
    b = perturbed(rng, a, 65535, spread=300)
    Image.fromarray(a[..., 0]).save(f"{out}/gray16-a.png")
    Image.fromarray(b[..., 0]).save(f"{out}/gray16-b.png")
    check_pillow(f"{out}/gray16-a.png", a[..., 0])
    pair("gray16", "gray16-a.png", "gray16-b.png", a, b, 65535, tolerance=100)
    # 1-bit gray: Pillow's mode 1, compared as 0 or 255.
    a = (photo_like(rng, h, w, 1, 255)[..., 0] > 128)
    b = a.copy()
    b[3:9, 5:20] = ~b[3:9, 5:20]
    Image.fromarray(a).save(f"{out}/gray1-a.png")
    Image.fromarray(b).save(f"{out}/gray1-b.png")
    pair("gray1", "gray1-a.png", "gray1-b.png", a.astype(np.uint8) * 255, b.astype(np.uint8) * 255, 255)
    # Palettes: 8-bit with and without tRNS, and 1, 2, 4 bits (Pillow's `bits`).
    for bits in [8, 4, 2, 1]:
        colours = 1 << bits
        palette = rng.integers(0, 256, size=(colours, 3), dtype=np.uint8)
        a = rng.integers(0, colours, size=(h, w), dtype=np.uint8)
        b = a.copy()
        b[rng.random((h, w)) < 0.1] = rng.integers(0, colours)
        for suffix, transparency in [("", None), ("-trns", bytes(rng.integers(0, 256, size=colours, dtype=np.uint8)))]:
            if bits < 8 and transparency is not None:
                continue
            name = f"palette{bits}{suffix}"
            for side, indices in [("a", a), ("b", b)]:
                image = Image.frombytes('P', (indices.shape[1], indices.shape[0]), indices.tobytes())
                image.putpalette(palette.tobytes())
                options = {"bits": bits} if bits < 8 else {}
                if transparency is not None:
                    options["transparency"] = transparency
                image.save(f"{out}/{name}-{side}.png", **options)
            expanded_a, expanded_b = palette[a], palette[b]
            if transparency is not None:
                alpha = np.frombuffer(transparency, np.uint8)
                expanded_a = np.concatenate([expanded_a, alpha[a][..., None]], axis=-1)
                expanded_b = np.concatenate([expanded_b, alpha[b][..., None]], axis=-1)
            check_pillow(f"{out}/{name}-a.png", expanded_a)
            pair(name, f"{name}-a.png", f"{name}-b.png", expanded_a, expanded_b, 255)
    # This script's writer: what Pillow cannot write, every filter, Adam7.
    own = [
        ("gray2", 0, 2, 1, False), ("gray4", 0, 4, 1, False), ("graya16", 4, 16, 2, False), ("rgb16", 2, 16, 3, False),
        ("rgba16", 6, 16, 4, False), ("rgb8-interlaced", 2, 8, 3, True), ("gray16-interlaced", 0, 16, 1, True),
        ("rgba8-interlaced", 6, 8, 4, True), ("gray1-interlaced", 0, 1, 1, True),
    ]
    for name, color_type, depth, channels, interlaced in own:
        levels = (1 << depth) - 1
        a = photo_like(rng, h, w, channels, levels)
        b = perturbed(rng, a, levels, spread=max(1, levels // 40))
        write_png(f"{out}/{name}-a.png", a, color_type, depth, interlaced)
        write_png(f"{out}/{name}-b.png", b, color_type, depth, interlaced)
        scale = 255 // levels if depth < 8 else 1
        a_compared, b_compared = a.astype(np.uint16) * scale, b.astype(np.uint16) * scale
        if depth <= 8:
            a_compared, b_compared = a_compared.astype(np.uint8), b_compared.astype(np.uint8)
            check_pillow(f"{out}/{name}-a.png", a_compared.squeeze() if channels == 1 else a_compared)
        pair(name, f"{name}-a.png", f"{name}-b.png", a_compared, b_compared, 65535 if depth == 16 else 255, tolerance=max(1, levels // 100))
    # Palette 4-bit with tRNS, interlaced (this writer).
    palette = rng.integers(0, 256, size=(16, 3), dtype=np.uint8)
    alpha = rng.integers(0, 256, size=16, dtype=np.uint8)
    a = rng.integers(0, 16, size=(h, w, 1), dtype=np.uint8)
    b = a.copy()
    b[:5] = (b[:5] + 1) % 16
    for side, indices in [("a", a), ("b", b)]:
        write_png(f"{out}/palette4-trns-interlaced-{side}.png", indices, 3, 4, True, palette.tobytes(), alpha.tobytes())
    expand = lambda i: np.concatenate([palette[i[..., 0]], alpha[i[..., 0]][..., None]], axis=-1)
    check_pillow(f"{out}/palette4-trns-interlaced-a.png", expand(a))
    pair("palette4-trns-interlaced", "palette4-trns-interlaced-a.png", "palette4-trns-interlaced-b.png", expand(a), expand(b), 255)
    # Same pixels, other bytes: RGB written by Pillow and by this writer, interlaced.
    rgb = np.asarray(Image.open(f"{out}/rgb8-a.png"))
    write_png(f"{out}/rgb8-a-rewritten.png", rgb, 2, 8, True)
    pair("same-pixels-other-bytes", "rgb8-a.png", "rgb8-a-rewritten.png", rgb, rgb, 255)
    # Gray against RGB, 8 against 16 bits: compared in the richer format.
    gray = np.asarray(Image.open(f"{out}/gray8-a.png"))
    rgb16 = np.repeat(gray[..., None].astype(np.uint16) * 257, 3, axis=-1)
    rgb16[0, 0, 0] += 1
    write_png(f"{out}/gray8-as-rgb16.png", rgb16, 2, 16)
    pair("gray8-vs-rgb16", "gray8-a.png", "gray8-as-rgb16.png", np.repeat(gray[..., None].astype(np.uint16) * 257, 3, axis=-1), rgb16, 65535)

    # Hostile files, each with the words its refusal must hold.
    good = open(f"{out}/rgb8-a.png", 'rb').read()
    with open(f"{out}/hostile-truncated.png", 'wb') as f:
        f.write(good[:len(good) // 2])
    hostile.append({"name": "truncated", "path": "hostile-truncated.png", "reason": "cut short"})
    bad = bytearray(good)
    bad[60] ^= 0xFF  # inside the first IDAT's data
    with open(f"{out}/hostile-bad-crc.png", 'wb') as f:
        f.write(bytes(bad))
    hostile.append({"name": "bad CRC", "path": "hostile-bad-crc.png", "reason": "CRC"})

    def raw_png(width, height, color_type, depth, idat):
        def chunk(kind, data):
            return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))
        return b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, depth, color_type, 0, 0, 0)) + b''.join(chunk(b'IDAT', part) for part in idat) + chunk(b'IEND', b'')

    with open(f"{out}/hostile-huge.png", 'wb') as f:
        f.write(raw_png(30000, 30000, 2, 8, [zlib.compress(b'\0' * 1000)]))
    hostile.append({"name": "30000x30000 in IHDR", "path": "hostile-huge.png", "reason": "too large"})
    # 64 MiB of zeros in 64 KB: declared 1024x1024 gray (1 MiB of rows).
    compressor = zlib.compressobj(6)
    block = b'\0' * (1 << 20)
    bomb = b''.join(compressor.compress(block) for _ in range(64)) + compressor.flush()
    with open(f"{out}/hostile-bomb.png", 'wb') as f:
        f.write(raw_png(1024, 1024, 0, 8, [bomb[i:i + 65536] for i in range(0, len(bomb), 65536)]))
    hostile.append({"name": "decompression bomb", "path": "hostile-bomb.png", "reason": "more than"})
    Image.fromarray(photo_like(rng, h + 1, w, 3, 255)).save(f"{out}/hostile-other-size.png")
    hostile.append({"name": "mismatched sizes", "path": "hostile-other-size.png", "reason": "sizes differ"})
    with open(f"{out}/hostile-not-png.png", 'wb') as f:
        f.write(b'GIF89a' + b'\0' * 100)
    hostile.append({"name": "not a PNG", "path": "hostile-not-png.png", "reason": "not a PNG"})

    with open(f"{out}/expected.json", 'w') as f:
        json.dump({"pairs": pairs, "hostile": hostile}, f, indent=1)


if __name__ == '__main__':
    main()
