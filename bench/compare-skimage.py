#!/usr/bin/env python3
"""What a user runs instead of `envlock compare A B`: Pillow decodes, NumPy and scikit-image
measure the same things (identical bytes and pixels, shares differing, max and mean absolute
difference, PSNR, SSIM with channel_axis=-1). Prints the measures and, on standard error, the
seconds spent after the imports (decode and measures alone).
Usage: compare-skimage.py A B [TOLERANCE]"""
import sys
import time

import numpy as np
from PIL import Image
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

start = time.perf_counter()
a_path, b_path = sys.argv[1], sys.argv[2]
tolerance = int(sys.argv[3]) if len(sys.argv) > 3 else 0
with open(a_path, 'rb') as f:
    a_bytes = f.read()
with open(b_path, 'rb') as f:
    b_bytes = f.read()
a = np.asarray(Image.open(a_path))
b = np.asarray(Image.open(b_path))
range_ = 65535 if a.dtype == np.uint16 else 255
difference = np.abs(a.astype(np.int32) - b.astype(np.int32))
per_pixel = difference.max(axis=-1) if difference.ndim == 3 else difference
identical = not difference.any()
result = {
    "identical_bytes": a_bytes == b_bytes,
    "identical_pixels": identical,
    "differing_pixels": int((per_pixel > 0).sum()),
    "beyond_tolerance": int((per_pixel > tolerance).sum()),
    "max": int(difference.max()),
    "mean": float(difference.mean()),
    "psnr": float('inf') if identical else peak_signal_noise_ratio(a, b, data_range=range_),
    "ssim": structural_similarity(a, b, channel_axis=-1 if a.ndim == 3 else None, data_range=range_),
}
print(result)
print(f"{time.perf_counter() - start:.4f}", file=sys.stderr)
