// Rule evaluation benchmark: 10,000 rules against a 10,000-fact snapshot.
//
//   swift run -c release envlock-bench [RULES] [FACTS] [RUNS]
//
// The rules are an ordinary mix: exact keys with version specifiers (most), equals, one_of,
// pins compared with locked facts, absent rules and 1% glob patterns. Prints the median and
// the fastest of RUNS evaluations; bench/rules.sh records it in BENCHMARKS.md.
//
//   envlock-bench sha256 FILE [RUNS]
//
// Model hashing: hashes FILE RUNS times with envlock's ModelDigest, cache off, and
// prints each run's seconds; bench/model-hash.sh compares it with sha256sum on the same file.
import EnvLock
import Probe
#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments
if arguments.count > 2, arguments[1] == "sha256" {
    let runs = arguments.count > 3 ? Int(arguments[3]) ?? 5 : 5
    let digests = ModelDigest(cacheFolder: nil)
    for _ in 0..<runs {
        let start = ContinuousClock.now
        let result = try digests.digest(of: arguments[2])
        let (seconds, attoseconds) = (ContinuousClock.now - start).components
        print("\(Double(seconds) + Double(attoseconds) / 1e18) \(result.digest)")
    }
    exit(0)
}
let ruleCount = arguments.count > 1 ? Int(arguments[1]) ?? 10_000 : 10_000
let factCount = arguments.count > 2 ? Int(arguments[2]) ?? 10_000 : 10_000
let runs = arguments.count > 3 ? Int(arguments[3]) ?? 15 : 15

var facts: [String: String] = [:]
for index in 0..<factCount {
    facts["python.packages.pkg-\(index)-x"] = "\(index % 7).\(index % 13).\(index % 5)" + (index % 10 == 0 ? "+cu121" : "")
}
let specifiers = [">=0", "==\(3).*", "~=1.2", "!=2.0.0,<9", ">=1.0,<7", "==0.0.0+cu121", ">0.1.dev0"]
var rules: [Rule] = []
for index in 0..<ruleCount {
    let key = "python.packages.pkg-\(index % factCount)-x"
    let check: Rule.Check
    switch index % 100 {
    case 0: check = .pin
    case 1: check = .equals(facts[key] ?? "")
    case 2: check = .oneOf(["1.2.3", facts[key] ?? ""])
    case 3: check = .absent
    default: check = .version(try! SpecifierSet(parsing: specifiers[index % specifiers.count]))
    }
    let pattern = index % 100 == 99 ? "python.packages.pkg-\(index % factCount)-*" : key
    rules.append(Rule(pattern: FactPattern(pattern)!, check: check))
}
let snapshot = Snapshot(facts: facts)
let locked = Evaluator.factsToLock(for: rules, from: facts)

var timings: [Duration] = []
var results = 0
for _ in 0..<runs {
    let start = ContinuousClock.now
    let evaluation = Evaluator.evaluate(rules, lockedFacts: locked, snapshot: snapshot)
    timings.append(ContinuousClock.now - start)
    results = evaluation.results.count
}
timings.sort()
func milliseconds(_ duration: Duration) -> String {
    let value = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    return String(Int(value * 100) / 100) + "." + String(Int(value * 100) % 100 / 10) + String(Int(value * 100) % 10)
}
print("rules=\(ruleCount) facts=\(factCount) results=\(results) runs=\(runs) median_ms=\(milliseconds(timings[runs / 2])) min_ms=\(milliseconds(timings[0]))")
