#!/usr/bin/env python3
"""What a user would write instead of `envlock fleet`: load every snapshot with json and group
the machines by a tuple of the values of a fixed list of keys.

    bench/fleet-python.py FOLDER
"""
import json
import os
import sys

KEYS = ["torch.version", "torch.cuda", "torchvision.version", "torchvision.cuda", "xformers.version", "cudnn.runtime",
        "cublas.runtime", "cuda.runtime", "gpu.0.name", "gpu.0.compute_capability", "env.NVIDIA_TF32_OVERRIDE",
        "env.CUBLAS_WORKSPACE_CONFIG", "python.packages.nvidia-cudnn-cu12"]
folder = sys.argv[1]
groups = {}
for name in sorted(os.listdir(folder)):
    with open(os.path.join(folder, name)) as file:
        facts = json.load(file)["facts"]
    groups.setdefault(tuple(facts.get(key) for key in KEYS), []).append(name)
for key, members in sorted(groups.items(), key=lambda item: -len(item[1])):
    print(len(members), key[0], key[8])
