/// Where PyTorch's CUDA random numbers start to depend on the GPU.
///
/// PyTorch's random kernels (`torch.randn`, `rand`, `normal_` and the rest on a CUDA tensor)
/// run a grid-stride loop whose grid `calc_execution_policy` caps at
/// SMs × ⌊maxThreadsPerMultiProcessor / 256⌋ blocks of 256 threads
/// (pytorch/pytorch `aten/src/ATen/native/cuda/DistributionTemplates.h`, read at 0140b62d;
/// the older form with `curand4_engine_calls`, which copies of earlier releases' file carry,
/// caps the grid the same way; the v2.2.0 tag itself was not readable here).
/// Element `i` takes the Philox draw of thread `i` while the grid covers the tensor; above the
/// cap, threads loop, and which draw an element gets depends on the grid's size, hence on the
/// GPU's SM count and thread limit.
public enum TorchRandomGrid {
    /// PyTorch's block size for the random kernels (`block_size_bound`).
    static let blockSize = 256

    /// The most elements a CUDA random draw can have and still take the same values on every
    /// GPU from the same seed and offset: 256 × SMs × ⌊maxThreads / 256⌋.
    public static func sameDrawsLimit(multiprocessors: Int, maxThreadsPerMultiprocessor: Int) -> Int {
        blockSize * multiprocessors * (maxThreadsPerMultiprocessor / blockSize)
    }
}
