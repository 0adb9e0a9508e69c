"""SDXL base 1.0 at the locked commit, with diffusers' full determinism.

Run through envlock (see Dockerfile): envlock checks the stack, the model's commit in the
Hugging Face cache, HF_HUB_OFFLINE and the two variables enable_full_determinism sets;
the settings it changes inside torch can only be made here.
"""
import sys

import torch
from diffusers import StableDiffusionXLPipeline
from diffusers.utils.testing_utils import enable_full_determinism

# CUDA_LAUNCH_BLOCKING=1 and CUBLAS_WORKSPACE_CONFIG=:16:8 (already set by the image, so that
# they hold before CUDA starts), deterministic algorithms, deterministic cuDNN without
# benchmarking, no TF32 matmuls.
enable_full_determinism()

prompt = sys.argv[1] if len(sys.argv) > 1 else "a lighthouse at dawn, oil painting"
pipe = StableDiffusionXLPipeline.from_pretrained(
    "stabilityai/stable-diffusion-xl-base-1.0", torch_dtype=torch.float16, local_files_only=True
).to("cuda")
generator = torch.Generator("cuda").manual_seed(1234)
image = pipe(prompt, num_inference_steps=30, generator=generator).images[0]
image.save("/out/image.png")
