#!/usr/bin/env python3
"""Writes a synthetic fleet of envlock snapshots for bench/fleet.sh.

    bench/fleet-generate.py FOLDER COUNT

Each snapshot is what `envlock probe --format json` writes on a GPU worker: about 300 facts
(host, environment, driver, GPU, CUDA wheels, torch stack, ~240 Python packages) and the
detector list, about 12 KB. Machines fall into four software stacks (60%, 25%, 10%, 5%) with
0.5% stragglers that have one package of their own that changes results; host names, GPU
UUIDs, drivers and a few packages vary per machine without changing the group.
"""
import json
import os
import random
import sys

folder, count = sys.argv[1], int(sys.argv[2])
os.makedirs(folder, exist_ok=True)
rng = random.Random(13)

STACKS = [
    (0.60, {"torch.version": "2.2.0+cu121", "torch.cuda": "12.1", "torchvision.version": "0.17.0+cu121", "torchvision.cuda": "12.1",
            "xformers.version": "0.0.24", "cudnn.runtime": "8.9.2.26", "cublas.runtime": "12.1.3.1", "cuda.runtime": "12.1.105",
            "gpu.0.name": "NVIDIA L4", "gpu.0.compute_capability": "8.9", "gpu.0.arch": "Ada"}),
    (0.25, {"torch.version": "2.2.0+cu121", "torch.cuda": "12.1", "torchvision.version": "0.17.0+cu121", "torchvision.cuda": "12.1",
            "xformers.version": "0.0.24", "cudnn.runtime": "8.9.2.26", "cublas.runtime": "12.1.3.1", "cuda.runtime": "12.1.105",
            "gpu.0.name": "NVIDIA A30", "gpu.0.compute_capability": "8.0", "gpu.0.arch": "Ampere"}),
    (0.10, {"torch.version": "2.1.2+cu118", "torch.cuda": "11.8", "torchvision.version": "0.16.2+cu118", "torchvision.cuda": "11.8",
            "xformers.version": "0.0.23.post1", "cudnn.runtime": "8.7.0.84", "cublas.runtime": "11.11.3.6", "cuda.runtime": "11.8.89",
            "gpu.0.name": "NVIDIA L4", "gpu.0.compute_capability": "8.9", "gpu.0.arch": "Ada"}),
    (0.05, {"torch.version": "2.2.0+cu121", "torch.cuda": "12.1", "torchvision.version": "0.17.0+cu121", "torchvision.cuda": "12.1",
            "xformers.version": "0.0.24", "cudnn.runtime": "8.9.2.26", "cublas.runtime": "12.1.3.1", "cuda.runtime": "12.1.105",
            "gpu.0.name": "NVIDIA L4", "gpu.0.compute_capability": "8.9", "gpu.0.arch": "Ada", "env.NVIDIA_TF32_OVERRIDE": "0"}),
]
PACKAGES = ["pkg-%03d-%s" % (i, rng.choice(["utils", "core", "io", "ml", "data"])) for i in range(236)]

for index in range(count):
    roll = rng.random()
    stack = STACKS[-1][1]
    total = 0.0
    for share, facts in STACKS:
        total += share
        if roll < total:
            stack = facts
            break
    facts = {
        "host.os.id": "ubuntu", "host.os.version": "22.04", "host.kernel": rng.choice(["5.15.0-91-generic", "5.15.0-94-generic"]),
        "host.arch": "x86_64", "host.name": "gpu-node-%05d" % index, "host.glibc": "2.35",
        "host.cpu.model": "Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz", "host.cpu.flags": "avx avx2 avx512bw avx512f f16c fma sse4_1 sse4_2",
        "envlock.version": "0.1.0", "swift.version": "6.3.1", "env.CUBLAS_WORKSPACE_CONFIG": ":4096:8",
        "nvidia.driver": rng.choice(["535.104.05", "535.129.03", "550.54.15"]), "nvidia.kernel_module": "proprietary",
        "cuda.driver_api": "12.2", "gpu.count": "1", "gpu.0.memory_mib": "23034", "gpu.0.mig": "disabled",
        "gpu.0.uuid": "GPU-%08x-%04x-%04x-%04x-%012x" % (rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(16), rng.getrandbits(16), rng.getrandbits(48)),
        "python.executable": "/opt/venv/bin/python", "python.version": "3.10.12", "python.implementation": "cpython",
        "python.prefix": "/opt/venv", "python.base_prefix": "/usr", "python.path.0": "/usr/lib/python310.zip",
        "python.path.1": "/usr/lib/python3.10", "python.path.2": "/opt/venv/lib/python3.10/site-packages",
        "xformers.build.torch": "2.2.0+cu121", "xformers.build.cuda": "12.1", "xformers.build.python": "3.10.12",
        "nccl.runtime": "2.19.3", "nvjitlink.runtime": "12.3.101", "cufft.runtime": "11.0.2.54", "curand.runtime": "10.3.2.106",
    }
    facts.update(stack)
    for name in PACKAGES:
        facts["python.packages." + name] = "%d.%d.%d" % (len(name) % 7, len(name) % 11, rng.randrange(3) if name.endswith("io") else 1)
    if rng.random() < 0.005:
        facts["python.packages.nvidia-cudnn-cu12"] = "8.9.7.29"
    document = {
        "schema": "envlock.snapshot/1",
        "facts": dict(sorted(facts.items())),
        "detectors": [{"name": name, "status": "ok"} for name in
                      ["os-release", "uname", "glibc", "cpuinfo", "environment", "envlock", "nvml", "nvidia-proc", "cuda-driver",
                       "nvidia-smi", "cuda-toolkit", "cudnn-system", "python", "site-packages", "torch-build", "torchvision-build",
                       "xformers-build", "cuda-wheels", "conda"]],
    }
    with open(os.path.join(folder, "node-%05d.json" % index), "w") as file:
        json.dump(document, file, indent=2)
        file.write("\n")
