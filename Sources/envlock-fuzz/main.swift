// An in-process, coverage-blind mutation fuzzer over envlock's parsers (FuzzTargets), for CI
// and for long local runs. It needs nothing beyond the debug build:
//
//   swift run envlock-fuzz fuzz/corpus 60        # 60 seconds over the committed seeds
//   swift run -c release envlock-fuzz fuzz/corpus 3600
//
// A crash kills the process after writing the input to fuzz-crash-<target>.bin; an input that
// runs longer than 5 s is written to fuzz-hang-<target>.bin and aborts the run. Either makes
// the exit status non-zero. See scripts/fuzz.sh.
#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    print("usage: envlock-fuzz CORPUS-DIR [SECONDS] [SEED]")
    exit(64)
}
let corpusFolder = arguments[1]
let seconds = arguments.count > 2 ? Int(arguments[2]) ?? 60 : 60
var generator = SplitMix64(seed: arguments.count > 3 ? UInt64(arguments[3]) ?? 1 : UInt64(time(nil)))

let corpus = Corpus.load(corpusFolder)
guard !corpus.isEmpty else {
    print("envlock-fuzz: no seed files under \(corpusFolder)")
    exit(66)
}
Watchdog.start()

let deadline = ContinuousClock.now + .seconds(seconds)
var executions = 0
while ContinuousClock.now < deadline {
    for target in FuzzTargets.all {
        let seeds = corpus[target.name] ?? corpus["yaml"] ?? []
        guard !seeds.isEmpty else { continue }
        var input = seeds[Int(generator.next() % UInt64(seeds.count))]
        let rounds = 1 + Int(generator.next() % 8)
        for _ in 0..<rounds { Mutator.mutate(&input, dictionary: Mutator.tokens, splice: seeds, using: &generator) }
        Watchdog.begin(target: target.name, input: input)
        target.run(input)
        Watchdog.end()
        executions += 1
    }
}
print("envlock-fuzz: \(executions) executions over \(FuzzTargets.all.count) targets in \(seconds) s, no crash, no hang")
