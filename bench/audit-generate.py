#!/usr/bin/env python3
"""Writes COUNT PNG images for bench/audit.sh, each as Fooocus saves one: IHDR, the `parameters`
and `fooocus_scheme` text chunks (Pillow's PngInfo.add_text, tEXt), an IDAT of SIZE_KIB KiB
(random bytes, never decoded), IEND. Every tenth image has another sampler (drift); every
other image keeps its text after the image data, which the audit must seek over.

    bench/audit-generate.py FOLDER COUNT SIZE_KIB
"""
import json
import os
import struct
import sys
import zlib

folder, count, size_kib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(folder, exist_ok=True)
pixels = os.urandom(size_kib << 10)


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


header = chunk(b"IHDR", struct.pack(">IIBBBBB", 1024, 1024, 8, 2, 0, 0, 0))
idat = chunk(b"IDAT", pixels)
end = chunk(b"IEND", b"")
for index in range(count):
    record = {
        "base_model": "base", "base_model_hash": "0123456789", "guidance_scale": 4.0, "loras": [], "performance": "Speed",
        "prompt": "a cat %d" % index, "refiner_model": "None", "refiner_switch": 0.8,
        "sampler": "dpmpp_2m_sde_gpu" if index % 10 == 9 else "euler_ancestral", "scheduler": "karras", "seed": str(index),
        "sharpness": 2.0, "styles": "[]", "vae": "Default (model)", "version": "Fooocus v2.5.5",
    }
    text = chunk(b"tEXt", b"parameters\0" + json.dumps(dict(sorted(record.items()))).encode()) + chunk(b"tEXt", b"fooocus_scheme\0fooocus")
    body = text + idat if index % 2 == 0 else idat + text
    with open(os.path.join(folder, "%06d.png" % index), "wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n" + header + body + end)
