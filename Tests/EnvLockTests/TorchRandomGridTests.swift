@testable import EnvLock
import Testing

/// `TorchRandomGrid.sameDrawsLimit` against a model of the kernel it describes: PyTorch's
/// `calc_execution_policy` and `distribution_elementwise_grid_stride_kernel`
/// (aten/src/ATen/native/cuda/DistributionTemplates.h, read at 0140b62d). Each element's value
/// is named by the Philox draw it takes: the thread's subsequence and the position of the value
/// in the thread's stream. Two GPUs give one seed the same noise exactly when every element
/// takes the same draw.
struct TorchRandomGridTests {
    /// For each element, (thread index = Philox subsequence, position in that thread's values),
    /// as the grid-stride kernel assigns them with `unroll` values per curand call.
    static func draws(elements: Int, multiprocessors: Int, maxThreads: Int, unroll: Int = 4) -> [Int] {
        let block = 256
        let grid = min(multiprocessors * (maxThreads / block), (elements + block - 1) / block)
        let stride = block * grid
        let rounded = ((elements - 1) / (stride * unroll) + 1) * stride * unroll
        var draw = Array(repeating: -1, count: elements)
        for thread in 0..<stride {
            var linear = thread
            var call = 0
            while linear < rounded {
                for value in 0..<unroll {
                    let element = linear + stride * value
                    // Thread and position packed into one comparable number.
                    if element < elements { draw[element] = thread &* 1_000_003 &+ call * unroll + value }
                }
                linear += stride * unroll
                call += 1
            }
        }
        return draw
    }

    @Test(arguments: [
        (58, 1536, 89_088),   // L4, sm_89
        (56, 2048, 114_688),  // A30, sm_80
        (132, 2048, 270_336), // H100 SXM, sm_90
        (40, 1024, 40_960),   // T4, sm_75: 4 blocks per SM
    ])
    func thresholdsOfKnownGPUs(multiprocessors: Int, maxThreads: Int, expected: Int) {
        #expect(TorchRandomGrid.sameDrawsLimit(multiprocessors: multiprocessors, maxThreadsPerMultiprocessor: maxThreads) == expected)
    }

    /// Up to the smaller threshold an L4 and an A30 give every element the same draw; one
    /// element more and they do not. float (4 values per call) and double (2) alike.
    @Test(arguments: [4, 2])
    func drawsAgreeExactlyUpToTheSmallerThreshold(unroll: Int) {
        let l4 = (multiprocessors: 58, maxThreads: 1536)
        let a30 = (multiprocessors: 56, maxThreads: 2048)
        let limit = min(TorchRandomGrid.sameDrawsLimit(multiprocessors: l4.multiprocessors, maxThreadsPerMultiprocessor: l4.maxThreads),
                        TorchRandomGrid.sameDrawsLimit(multiprocessors: a30.multiprocessors, maxThreadsPerMultiprocessor: a30.maxThreads))
        for elements in [1, 4, 65_536, limit] {
            #expect(Self.draws(elements: elements, multiprocessors: l4.multiprocessors, maxThreads: l4.maxThreads, unroll: unroll)
                == Self.draws(elements: elements, multiprocessors: a30.multiprocessors, maxThreads: a30.maxThreads, unroll: unroll), "\(elements) elements")
        }
        for elements in [limit + 1, 131_072] {
            #expect(Self.draws(elements: elements, multiprocessors: l4.multiprocessors, maxThreads: l4.maxThreads, unroll: unroll)
                != Self.draws(elements: elements, multiprocessors: a30.multiprocessors, maxThreads: a30.maxThreads, unroll: unroll), "\(elements) elements")
        }
    }

    /// Below a GPU's own threshold every element takes the first value of its own thread, so
    /// any GPU agrees with any other there.
    @Test func belowTheThresholdElementIOwnsThreadI() {
        let elements = TorchRandomGrid.sameDrawsLimit(multiprocessors: 20, maxThreadsPerMultiprocessor: 1536)
        let draws = Self.draws(elements: elements, multiprocessors: 20, maxThreads: 1536)
        #expect(draws == (0..<elements).map { $0 &* 1_000_003 })
    }
}
