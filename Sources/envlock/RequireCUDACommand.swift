import ArgumentParser
import EnvLock
import Probe

struct RequireCUDACommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "require-cuda",
        abstract: "Print the NVIDIA_REQUIRE_CUDA expression a lock comes to, or check one against this machine's driver.",
        discussion: """
            With a lock: prints, on standard output, the expression (for a Dockerfile's ENV NVIDIA_REQUIRE_CUDA) equivalent to the lock's error rules on cuda.driver_api, nvidia.driver and gpu.*.compute_capability, so nvidia-container-cli refuses a node whose driver or GPU is wrong before the container starts; standard error says what only envlock checks. With --check or --from-environment: whether this machine's driver and GPUs meet the expressions as nvidia-container-cli evaluates them (space = OR, comma = AND; cuda, driver, arch, brand). Exit 0 met, 1 not met or cannot tell, 2 the lock cannot be read.
            """
    )

    @Argument(help: ArgumentHelp("The lock to turn into an expression.", valueName: "lock")) var lock: String?
    @Option(help: ArgumentHelp("An expression to check against this machine (repeatable; all must hold, as separate NVIDIA_REQUIRE_* variables do).", valueName: "expr")) var check: [String] = []
    @Flag(name: .customLong("from-environment"), help: "Check the NVIDIA_REQUIRE_* variables of this process's environment (inside the container), honouring NVIDIA_DISABLE_REQUIRE.") var fromEnvironment = false
    @OptionGroup var probeOptions: ProbeOptions

    func validate() throws {
        let checking = !check.isEmpty || fromEnvironment
        if (lock != nil) == checking { throw ValidationError("give either a lock, or --check EXPR / --from-environment") }
    }

    func run() async throws {
        try await reportingFailures {
            if let lock {
                let derivation = NvidiaRequireCUDA.derive(from: try LoadedLock.load(at: lock).lock)
                try StandardOutput.emit(derivation.expression + "\n")
                if derivation.expression.isEmpty { printError("envlock: note: no rule of \(lock) becomes a condition; an empty NVIDIA_REQUIRE_CUDA requires nothing") }
                for note in derivation.notes { printError("envlock: note: \(UntrustedText.terminal(note))") }
                if !derivation.exact { printError("envlock: note: the expression is weaker than the lock; envlock verify checks the rest") }
                return ExitStatus.ok
            }
            let result = try await NvidiaRequireCUDA.checkMachine(check, fromEnvironment: fromEnvironment, settings: try probeOptions.settings, environment: ProcessEnvironment.current())
            if result.expressions.isEmpty { printError("envlock: note: no NVIDIA_REQUIRE_* variable is set (or NVIDIA_DISABLE_REQUIRE is true): nothing to check") }
            try StandardOutput.emit("NVIDIA_REQUIRE_CUDA \(result.verdict.message)\n")
            return result.verdict == .satisfied ? ExitStatus.ok : ExitStatus.drift
        }
    }
}
