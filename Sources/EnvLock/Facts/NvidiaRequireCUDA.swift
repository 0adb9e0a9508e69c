// One job, kept in one file although it passes 300 lines: the NVIDIA_REQUIRE_CUDA language
// (parse, make from a lock, evaluate against a machine) as libnvidia-container defines it.

/// `NVIDIA_REQUIRE_CUDA`: the requirement expression nvidia-container-cli checks before it
/// starts a GPU container, made from a lock, and checked against this machine's driver.
///
/// The language and its semantics follow libnvidia-container, `src/cli/dsl.c`
/// (`dsl_evaluate`, `dsl_compare_version`, `dsl_compare_string`) and `src/cli/configure.c`
/// (the four rules and their per-device evaluation); nvidia-container-toolkit collects every
/// `NVIDIA_REQUIRE_*` variable but `NVIDIA_REQUIRE_JETPACK*`, unless `NVIDIA_DISABLE_REQUIRE`
/// is true (internal/config/image/cuda_image.go, `GetRequirements`). In short:
///
/// - a space separates alternatives (OR), a comma conditions that must all hold (AND);
/// - a condition is `NAME OP VALUE` without spaces, NAME one of `cuda` (the driver's CUDA
///   version), `driver` (the driver version), `arch` (a GPU's compute capability), `brand`
///   (a GPU's brand), in any case; OP one of `=`, `!=`, `<`, `<=`, `>`, `>=`;
/// - versions hold only digits and dots, compare number by number, and trailing `.0`s do not
///   count (`12.1.0` = `12.1`); anything else is an invalid expression, which refuses the container;
/// - `brand` takes only `=` and `!=` and ignores case;
/// - every variable is checked for each visible GPU (`arch` and `brand` are that GPU's); with
///   no GPU visible, `arch` and `brand` conditions hold.
public enum NvidiaRequireCUDA {
    /// The environment variable the CUDA images set.
    static let variable = "NVIDIA_REQUIRE_CUDA"

    /// A comparison operator of the language.
    public enum Comparator: String, Sendable, CaseIterable {
        case equal = "=", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    }

    /// What nvidia-container-cli knows about the machine when it checks a container.
    public struct Machine: Sendable, Equatable {
        /// The driver's CUDA version (`12.2`), envlock's `cuda.driver_api`; nil when unknown.
        var cuda: String?
        /// The driver version (`535.104.05`), envlock's `nvidia.driver`; nil when unknown.
        var driver: String?
        /// One entry per visible GPU.
        var gpus: [GPU]

        /// One visible GPU.
        public struct GPU: Sendable, Equatable {
            /// Its compute capability (`8.9`).
            var arch: String?
            /// Its NVML brand (`Tesla`, `GeForce`); envlock does not read it, so usually nil.
            var brand: String?

            public init(arch: String?, brand: String? = nil) {
                self.arch = arch
                self.brand = brand
            }
        }

        public init(cuda: String?, driver: String?, gpus: [GPU]) {
            self.cuda = cuda
            self.driver = driver
            self.gpus = gpus
        }

        /// The machine as a snapshot describes it: `cuda.driver_api`, `nvidia.driver` and each
        /// `gpu.N.compute_capability`.
        public init(facts: [String: String]) {
            let capabilities = FactPattern("gpu.*.compute_capability")!.matchingKeys(in: facts)
            self.init(cuda: facts["cuda.driver_api"], driver: facts["nvidia.driver"], gpus: capabilities.map { GPU(arch: facts[$0]) })
        }
    }

    /// Whether a container with these requirements would start here.
    public enum Verdict: Sendable, Equatable {
        case satisfied
        /// Refused: the condition that failed, as nvidia-container-cli words it (`cuda >= 12.1`).
        case unsatisfied(String)
        /// Refused: the expression is malformed; nvidia-container-cli says "invalid expression".
        case invalid(String)
        /// The outcome turns on something envlock does not know (a GPU's brand, a driver it could not read).
        case unknown(String)
    }

    /// `dsl_compare_version`: nil where the C function returns -1 (a value that is not digits and dots).
    public static func compareVersion(_ left: String, _ comparator: Comparator, _ right: String) -> Bool? {
        let digitsAndDots = { (text: String) in text.utf8.allSatisfy { $0 == UInt8(ascii: ".") || (0x30...0x39).contains($0) } }
        guard digitsAndDots(left), digitsAndDots(right) else { return nil }
        var a = Substring(left), b = Substring(right)
        while !a.isEmpty && !b.isEmpty {
            let (numberA, restA) = (a.prefix { $0 != "." }, a.drop { $0 != "." })
            let (numberB, restB) = (b.prefix { $0 != "." }, b.drop { $0 != "." })
            // strtoumax of "" (a leading dot) is an error; of a huge number, too.
            guard let n1 = UInt64(numberA), let n2 = UInt64(numberB) else { return nil }
            if n1 != n2 {
                switch comparator {
                case .equal: return false
                case .notEqual: return true
                case .less, .lessEqual: return n1 < n2
                case .greater, .greaterEqual: return n1 > n2
                }
            }
            a = restA.drop { $0 == "." }
            b = restB.drop { $0 == "." }
        }
        // What is left of the longer version counts only if it holds a digit other than 0.
        let aLonger = !a.drop { $0 == "." || $0 == "0" }.isEmpty
        let bLonger = !b.drop { $0 == "." || $0 == "0" }.isEmpty
        switch comparator {
        case .notEqual: return aLonger || bLonger
        case .equal: return !aLonger && !bLonger
        case .lessEqual: return (!aLonger && !bLonger) || (!aLonger && bLonger)
        case .greaterEqual: return (!aLonger && !bLonger) || (aLonger && !bLonger)
        case .less: return !aLonger && bLonger
        case .greater: return aLonger && !bLonger
        }
    }

    /// Checks every expression (each one `NVIDIA_REQUIRE_*` variable) against `machine`,
    /// as nvidia-container-cli's configure command does: per visible GPU, or once without one.
    public static func check(_ expressions: [String], on machine: Machine) -> Verdict {
        let devices: [Machine.GPU?] = machine.gpus.isEmpty ? [nil] : machine.gpus
        var unknown: Verdict?
        for device in devices {
            for expression in expressions {
                switch evaluate(expression, machine: machine, device: device) {
                case .satisfied: continue
                case .unknown(let why): unknown = unknown ?? .unknown(why)
                case let refused: return refused
                }
            }
        }
        return unknown ?? .satisfied
    }

    /// `dsl_evaluate` for one device, with "unknown" where envlock lacks a property.
    static func evaluate(_ expression: String, machine: Machine, device: Machine.GPU?) -> Verdict {
        var lastFailure: String?
        var unknownCondition: String?
        for alternative in expression.split(separator: " ", omittingEmptySubsequences: true) {
            var holds: Bool? = true
            for condition in alternative.split(separator: ",", omittingEmptySubsequences: true) {
                switch evaluateCondition(String(condition), machine: machine, device: device) {
                case .failure(let invalid):
                    return .invalid(invalid.message)
                case .success(let outcome):
                    switch outcome.value {
                    case .some(true): continue
                    case .some(false):
                        lastFailure = outcome.formatted
                        holds = false
                    case .none:
                        unknownCondition = unknownCondition ?? outcome.formatted
                        holds = nil
                        continue
                    }
                }
                break
            }
            if holds == true { return .satisfied }
        }
        if let unknownCondition {
            return .unknown("\(unknownCondition) cannot be checked here")
        }
        // An expression of spaces and commas only has no condition: it holds.
        guard let lastFailure else { return .satisfied }
        return .unsatisfied(lastFailure)
    }

    /// Why one condition could not be evaluated: nvidia-container-cli's "invalid expression".
    struct InvalidCondition: Error {
        var message: String
    }

    /// One condition's value (nil: unknown here) and its text as the refusal names it.
    struct ConditionOutcome {
        var value: Bool?
        var formatted: String
    }

    /// `evaluate_rule`: the longest run of operator characters must be exactly one operator,
    /// the value must not be empty, and the name must be one of the four rules.
    static func evaluateCondition(_ condition: String, machine: Machine, device: Machine.GPU?) -> Result<ConditionOutcome, InvalidCondition> {
        let operatorCharacters: Set<Character> = ["<", ">", "=", "!"]
        let name = condition.prefix { !operatorCharacters.contains($0) }
        let afterName = condition.dropFirst(name.count)
        let operatorText = afterName.prefix { operatorCharacters.contains($0) }
        let value = String(afterName.dropFirst(operatorText.count))
        // strncmp over the operator run's length makes a lone `!` read as `!=` in dsl.c.
        let spelled = operatorText == "!" ? "!=" : String(operatorText)
        guard !name.isEmpty, let comparator = Comparator(rawValue: spelled), !value.isEmpty else {
            return .failure(InvalidCondition(message: "'\(condition)' is not NAME OP VALUE with OP one of =, !=, <, <=, >, >="))
        }
        let formatted = "\(name) \(comparator.rawValue) \(value)"
        let property: String?
        switch name.lowercased() {
        case "cuda": property = machine.cuda
        case "driver": property = machine.driver
        case "arch", "brand":
            // configure.c: "No device is visible, assume the arch is ok."
            guard let device else { return .success(ConditionOutcome(value: true, formatted: formatted)) }
            if name.lowercased() == "brand" {
                guard comparator == .equal || comparator == .notEqual else {
                    return .failure(InvalidCondition(message: "'\(condition)': brand takes only = and !="))
                }
                guard let brand = device.brand else { return .success(ConditionOutcome(value: nil, formatted: formatted)) }
                let same = brand.lowercased() == value.lowercased()
                return .success(ConditionOutcome(value: comparator == .equal ? same : !same, formatted: formatted))
            }
            property = device.arch
        default:
            return .failure(InvalidCondition(message: "'\(condition)': unknown name '\(name)'; nvidia-container-cli knows cuda, driver, arch and brand"))
        }
        guard let property else { return .success(ConditionOutcome(value: nil, formatted: formatted)) }
        guard let result = compareVersion(property, comparator, value) else {
            return .failure(InvalidCondition(message: "'\(condition)': versions are digits and dots (this machine has \(name) \(property))"))
        }
        return .success(ConditionOutcome(value: result, formatted: formatted))
    }

    /// The requirement variables of an image's environment, as nvidia-container-toolkit
    /// collects them: every `NVIDIA_REQUIRE_*` but `NVIDIA_REQUIRE_JETPACK*`, sorted by name;
    /// none when `NVIDIA_DISABLE_REQUIRE` is true (Go's strconv.ParseBool).
    public static func requirements(inEnvironment environment: [String: String]) -> [(name: String, expression: String)] {
        if let disable = environment["NVIDIA_DISABLE_REQUIRE"], ["1", "t", "T", "TRUE", "true", "True"].contains(disable) { return [] }
        return environment.filter { $0.key.hasPrefix("NVIDIA_REQUIRE_") && !$0.key.hasPrefix("NVIDIA_REQUIRE_JETPACK") }
            .sorted { $0.key < $1.key }
            .map { (name: $0.key, expression: $0.value) }
    }
}

extension NvidiaRequireCUDA {
    /// The expression a lock's rules come to, and what it leaves to envlock.
    public struct Derivation: Sendable, Equatable {
        /// The value for `ENV NVIDIA_REQUIRE_CUDA=…`; empty when no rule can be expressed.
        public var expression: String
        /// True when the expression refuses exactly the drivers and GPUs the expressed rules refuse.
        public var exact: Bool
        /// What the expression does not check, one line each: weaker translations and the rules
        /// only `envlock verify` checks.
        public var notes: [String]
    }

    /// One condition of the expression: `cuda>=12.1`.
    struct Condition: Hashable {
        var name: String
        var comparator: Comparator
        var value: String
        var text: String { "\(name)\(comparator.rawValue)\(value)" }
    }

    /// The `NVIDIA_REQUIRE_CUDA` expression for `lock`: its error rules on `cuda.driver_api`
    /// (as `cuda`), `nvidia.driver` (`driver`) and `gpu.*.compute_capability` (`arch`), pins
    /// taking the lock's recorded values. Rules the language cannot say (`absent`, a
    /// pre-release, a GPU name), warning rules (the runtime would refuse where envlock warns)
    /// and every other rule are listed in the notes as what only envlock checks.
    public static func derive(from lock: Lock) -> Derivation {
        var alternatives: [[Condition]] = [[]]
        var notes: [String] = []
        var exact = true
        var otherRules = 0
        for rule in lock.rules {
            guard let name = conditionName(for: rule.pattern) else {
                if rule.pattern.text.hasPrefix("gpu.") || rule.pattern.text.hasPrefix("nvidia.") || rule.pattern.text.hasPrefix("cuda.driver") {
                    notes.append("\(rule.pattern.text) is checked only by envlock (the runtime knows no such condition)")
                } else {
                    otherRules += 1
                }
                continue
            }
            guard rule.severity == .error else {
                notes.append("\(rule.pattern.text) is a warning rule: left to envlock, which warns where the runtime would refuse")
                continue
            }
            if rule.pattern.text.hasPrefix("gpu.") && rule.pattern.text != "gpu.*.compute_capability" {
                notes.append("\(rule.pattern.text) becomes an arch condition on every GPU, not only that one")
                exact = false
            }
            switch translate(rule, as: name, lockedFacts: lock.facts) {
            case .success(let translation):
                if let weaker = translation.weaker {
                    notes.append(weaker)
                    exact = false
                }
                alternatives = alternatives.flatMap { conjunction in translation.alternatives.map { conjunction + $0 } }
            case .failure(let reason):
                notes.append("\(rule.pattern.text) is checked only by envlock: \(reason.message)")
                exact = false
            }
        }
        if otherRules > 0 {
            notes.append("\(otherRules) other rule(s) (software stack, environment, host, GPU model) are checked only by envlock verify and run")
        }
        let expression = alternatives.filter { !$0.isEmpty }.map { conjunction in
            var seen = Set<Condition>()
            // cuda, then driver, then arch, as the CUDA images write theirs.
            let ordered = conjunction.enumerated().sorted { (rank($0.element.name), $0.offset) < (rank($1.element.name), $1.offset) }.map(\.element)
            return ordered.filter { seen.insert($0).inserted }.map(\.text).joined(separator: ",")
        }.joined(separator: " ")
        return Derivation(expression: expression, exact: exact, notes: notes)
    }

    /// Where a condition on `name` goes in a conjunction.
    static func rank(_ name: String) -> Int {
        ["cuda", "driver", "arch"].firstIndex(of: name) ?? 3
    }

    /// The runtime's name for the facts a rule is about, or nil when it has none.
    static func conditionName(for pattern: FactPattern) -> String? {
        switch pattern.text {
        case "cuda.driver_api": return "cuda"
        case "nvidia.driver": return "driver"
        default:
            let parts = pattern.text.split(separator: ".")
            let isGPUIndex = parts.count == 3 && parts[0] == "gpu" && (parts[1] == "*" || parts[1].allSatisfy(\.isNumber))
            return isGPUIndex && parts[2] == "compute_capability" ? "arch" : nil
        }
    }

    /// One rule as alternatives of conditions, and a note when they accept more than the rule.
    struct Translation {
        var alternatives: [[Condition]]
        var weaker: String?
    }

    /// Why a rule has no translation.
    struct Untranslatable: Error {
        var message: String
    }

    static func translate(_ rule: Rule, as name: String, lockedFacts: [String: String]) -> Result<Translation, Untranslatable> {
        func isVersion(_ text: String) -> Bool {
            !text.isEmpty && text.first != "." && text.last != "." && text.utf8.allSatisfy { $0 == UInt8(ascii: ".") || (0x30...0x39).contains($0) }
        }
        func equalTo(_ values: [String]) -> Result<Translation, Untranslatable> {
            guard let bad = values.first(where: { !isVersion($0) }) else {
                return .success(Translation(alternatives: values.map { [Condition(name: name, comparator: .equal, value: $0)] }))
            }
            return .failure(Untranslatable(message: "'\(bad)' is not a version of digits and dots"))
        }
        switch rule.check {
        case .equals(let value):
            return equalTo([value])
        case .oneOf(let values):
            return equalTo(values)
        case .pin:
            let values = Set(rule.pattern.matchingKeys(in: lockedFacts).compactMap { lockedFacts[$0] }).sorted()
            guard !values.isEmpty else { return .failure(Untranslatable(message: "the pin recorded no value, so it requires that nothing matches")) }
            return equalTo(values)
        case .absent:
            return .failure(Untranslatable(message: "absent: true has no condition"))
        case .contains, .excludes:
            return .failure(Untranslatable(message: "list rules have no condition"))
        case .version(let specifiers):
            var conditions: [Condition] = []
            var weaker: String?
            for clause in specifiers.text.split(separator: ",") {
                let trimmed = String(clause.filter { !$0.isWhitespace })
                let operatorText = trimmed.prefix { "<>=!~".contains($0) }
                let version = trimmed.dropFirst(operatorText.count)
                let isWildcard = version.hasSuffix(".*")
                let number = String(isWildcard ? version.dropLast(2) : version)
                guard isVersion(number) else {
                    return .failure(Untranslatable(message: "'\(trimmed)' names a version that is not digits and dots"))
                }
                switch (operatorText, isWildcard) {
                case ("==", false): conditions.append(Condition(name: name, comparator: .equal, value: number))
                case ("!=", false): conditions.append(Condition(name: name, comparator: .notEqual, value: number))
                case ("<", false): conditions.append(Condition(name: name, comparator: .less, value: number))
                case ("<=", false): conditions.append(Condition(name: name, comparator: .lessEqual, value: number))
                case (">", false): conditions.append(Condition(name: name, comparator: .greater, value: number))
                case (">=", false): conditions.append(Condition(name: name, comparator: .greaterEqual, value: number))
                case ("==", true):
                    // ==12.* is 12 up to, not including, 13.
                    conditions.append(Condition(name: name, comparator: .greaterEqual, value: number))
                    conditions.append(Condition(name: name, comparator: .less, value: bumpLast(number)))
                case ("~=", false) where number.contains("."):
                    // ~=12.1.2 is >=12.1.2 and ==12.1.* (PEP 440 compatible release).
                    conditions.append(Condition(name: name, comparator: .greaterEqual, value: number))
                    conditions.append(Condition(name: name, comparator: .less, value: bumpLast(String(number[..<number.lastIndex(of: ".")!]))))
                case ("===", false):
                    conditions.append(Condition(name: name, comparator: .equal, value: number))
                    weaker = "\(rule.pattern.text): '===\(number)' compares text; the runtime's = also accepts \(number).0"
                default:
                    return .failure(Untranslatable(message: "'\(trimmed)' has no equivalent condition"))
                }
            }
            return .success(Translation(alternatives: [conditions], weaker: weaker))
        }
    }

    /// `12.1` → `12.2`, `12` → `13`: the first version past every `12.1.*`.
    static func bumpLast(_ version: String) -> String {
        var parts = version.split(separator: ".").map(String.init)
        parts[parts.count - 1] = String((UInt64(parts[parts.count - 1]) ?? 0) + 1)
        return parts.joined(separator: ".")
    }
}

extension NvidiaRequireCUDA.Verdict {
    /// One line for a person, with machine and image text escaped for a terminal.
    public var message: String {
        switch self {
        case .satisfied:
            "met: nvidia-container-cli would start this container here"
        case .unsatisfied(let condition):
            "not met: unsatisfied condition: \(UntrustedText.terminal(condition)); nvidia-container-cli refuses this container here (update the driver, or use an image built for this one)"
        case .invalid(let reason):
            "not met: invalid expression: \(UntrustedText.terminal(reason)); nvidia-container-cli refuses every container with it"
        case .unknown(let reason):
            "cannot tell: \(UntrustedText.terminal(reason)) (envlock does not read GPU brands, and needs the driver's versions from NVML)"
        }
    }
}
