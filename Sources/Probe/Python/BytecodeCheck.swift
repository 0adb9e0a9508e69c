#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import EnvLock

/// Whether the bytecode Python would run for a module is its source's, asked of the
/// environment's own interpreter.
///
/// RECORD lists `__pycache__/*.pyc` files without a hash (pip compiles them after install), and
/// Python writes more at import. Python runs such a file instead of the source whenever its
/// header matches the source (its mtime and size, or for a hash-based file, as
/// `--check-hash-based-pycs` says), so an edited `.pyc` beside an intact `.py` changes what
/// runs while every hash RECORD holds still matches. envlock cannot compile Python, so it asks
/// the interpreter that will run the job: for each file, whether that interpreter would read it
/// at all (its cache tag and optimization level, its magic number, its timestamp header: the
/// checks of `importlib._bootstrap_external.SourceLoader.get_code`), and if so whether the code
/// object it holds equals `compile()` of the source (code objects compare their instructions,
/// constants, names and tables, not their file name). A hash-based file is compared whatever
/// its source hash says, since `--check-hash-based-pycs never` would run it unchecked.
///
/// Only files whose identity (and their source's) changed since the last check are asked about:
/// the answer is remembered in the distribution's cache entry, so a warm check runs no Python.
struct BytecodeCheck: Sendable {
    /// What the interpreter said of one file.
    enum Verdict: Equatable, Sendable {
        /// Its code is its source's.
        case same
        /// The interpreter never runs it: another cache tag or optimization level, a bad magic
        /// number or flags, a timestamp header that does not match the source, or no source.
        case unused
        /// Python would run it and its code is not its source's (or cannot be read).
        case differs
    }

    /// Why the interpreter could not answer.
    struct Failure: Error, Equatable {
        var text: String
    }

    /// The interpreter that runs the code, which answers for its bytecode.
    struct Interpreter: Sendable, Equatable {
        var executable: String
        /// What a remembered verdict is tied to: for an environment, the implementation and
        /// version, which decide what `compile()` makes and which cache tag and magic number
        /// are read; for a job, its standard library's folder, which names its version.
        var key: String

        /// The facts of the `python` detector this is read from.
        static let factKeys: Set<String> = ["python.executable", "python.implementation", "python.version"]

        init(executable: String, key: String) {
            self.executable = executable
            self.key = key
        }

        /// The interpreter the `python` detector ran or resolved; nil when it named none.
        init?(facts: [String: String]) {
            guard let executable = facts["python.executable"], !executable.isEmpty,
                  let implementation = facts["python.implementation"], let version = facts["python.version"]
            else { return nil }
            self.init(executable: executable, key: implementation + " " + version)
        }
    }

    /// What comparing a folder's bytecode with its sources found.
    struct Comparison {
        /// The `.pyc` files Python would run whose code is not their source's, by path
        /// relative to the folder.
        var differing: [String] = []
        /// The files found harmless whose identity may be remembered.
        var known: [String: DistributionDigestCache.RememberedBytecode] = [:]
        /// How many files the interpreter was asked about.
        var asked = 0
    }

    /// Compares each `.pyc` of `files` (paths relative to `folder`, with the source Python
    /// reads it for) whose identity, or whose source's, changed since it was last found
    /// harmless (`remembered`), asking `interpreter`; `withoutInterpreter` says what to do
    /// when none is known and a file must be asked about.
    static func compare(
        _ files: [(pyc: String, source: String)], in folder: String, remembered: [String: DistributionDigestCache.RememberedBytecode],
        interpreter: Interpreter?, withoutInterpreter: String, started: timespec, context: HostContext
    ) async -> Result<Comparison, Failure> {
        var comparison = Comparison()
        var toAsk: [(pyc: String, identity: ModelDigest.FileIdentity, source: ModelDigest.FileIdentity)] = []
        for (pyc, source) in files {
            // Looked at before the interpreter reads them: a file changed after this is not
            // remembered as the one it answered for.
            let pycIdentity: ModelDigest.FileIdentity
            let sourceIdentity: ModelDigest.FileIdentity
            do throws(POSIXFailure) {
                pycIdentity = ModelDigest.FileIdentity(try context.linkStatus(folder + "/" + pyc))
                sourceIdentity = ModelDigest.FileIdentity(try context.linkStatus(folder + "/" + source))
            } catch {
                // A source that is gone is reported where its file is checked (Python then
                // never reads its bytecode); a .pyc gone since its folder was listed is gone.
                if error.errno == ENOENT || error.errno == ENOTDIR { continue }
                return .failure(Failure(text: "\(folder)/\(pyc): cannot \(error.operation): \(errnoDescription(error.errno))"))
            }
            if let interpreter, let known = remembered[pyc], known.interpreter == interpreter.key,
               known.identity == pycIdentity.line, known.sourceIdentity == sourceIdentity.line {
                comparison.known[pyc] = known
            } else {
                toAsk.append((pyc, pycIdentity, sourceIdentity))
            }
        }
        guard !toAsk.isEmpty else { return .success(comparison) }
        guard let interpreter else {
            return .failure(Failure(text: "\(toAsk.count) bytecode file\(toAsk.count == 1 ? "" : "s") (\(UntrustedText.quoted(toAsk[0].pyc))\(toAsk.count > 1 ? ", …" : "")) can be compared with \(toAsk.count == 1 ? "its source" : "their sources") only by the interpreter that runs \(toAsk.count == 1 ? "it" : "them"), and \(withoutInterpreter)"))
        }
        comparison.asked = toAsk.count
        let verdicts: [Verdict]
        switch await BytecodeCheck(executable: interpreter.executable).verdicts(toAsk.map { folder + "/" + $0.pyc }, in: context) {
        case .success(let answered): verdicts = answered
        case .failure(let failure): return .failure(failure)
        }
        for (file, verdict) in zip(toAsk, verdicts) {
            switch verdict {
            case .differs:
                comparison.differing.append(file.pyc)
            case .same, .unused:
                if DistributionDigestCache.isSettled(file.identity, hashingStarted: started), DistributionDigestCache.isSettled(file.source, hashingStarted: started) {
                    comparison.known[file.pyc] = .init(identity: file.identity.line, sourceIdentity: file.source.line, interpreter: interpreter.key)
                }
            }
        }
        return .success(comparison)
    }

    /// `pkg/mod.py` for `pkg/__pycache__/mod.cpython-311.pyc` (or `.opt-1.pyc`), the
    /// source Python reads such bytecode for (PEP 3147); nil for bytecode elsewhere, which
    /// Python imports as a module of its own when no source is beside it.
    static func sourceOfBytecode(_ path: String) -> String? {
        guard path.hasSuffix(".pyc") else { return nil }
        let folder = PythonPath.dirname(path)
        guard PythonPath.basename(folder) == "__pycache__" else { return nil }
        let name = PythonPath.basename(path)
        guard let dot = name.firstIndex(of: "."), dot != name.startIndex else { return nil }
        return PythonPath.join(PythonPath.dirname(folder), name[..<dot] + ".py")
    }

    /// The interpreter's executable.
    var executable: String
    /// How many files one interpreter run checks; the runs go two at a time.
    static let filesPerRun = 400
    /// A run compiles its files' sources: torch's 1,700 modules take about 20 s on one CPU.
    static let runTimeout: Duration = .seconds(600)

    /// The verdict for each `.pyc` path (absolute paths of the probed system), in order.
    func verdicts(_ paths: [String], in context: HostContext) async -> Result<[Verdict], Failure> {
        guard context.canRunPrograms else {
            return .failure(Failure(text: "bytecode can be compared with its source only by the environment's interpreter, which is not run under --root; run envlock inside the environment, or delete the __pycache__ folders"))
        }
        let chunks = stride(from: 0, to: paths.count, by: Self.filesPerRun).map { Array(paths[$0..<min($0 + Self.filesPerRun, paths.count)]) }
        var results: [[Verdict]?] = Array(repeating: nil, count: chunks.count)
        var next = 0
        while next < chunks.count {
            let batch = next..<min(next + 2, chunks.count)
            let answers = await withTaskGroup(of: (Int, Result<[Verdict], Failure>).self) { group in
                for index in batch {
                    group.addTask { (index, await run(chunks[index], in: context)) }
                }
                var answers: [(Int, Result<[Verdict], Failure>)] = []
                for await answer in group { answers.append(answer) }
                return answers
            }
            for (index, answer) in answers {
                switch answer {
                case .success(let verdicts): results[index] = verdicts
                case .failure(let failure): return .failure(failure)
                }
            }
            next = batch.upperBound
        }
        return .success(results.flatMap { $0 ?? [] })
    }

    private func run(_ paths: [String], in context: HostContext) async -> Result<[Verdict], Failure> {
        // -I: no environment variables, user site or current folder on the path; -S: no site
        // module, so nothing the environment installed runs.
        let outcome = await context.commands.run(executable, arguments: ["-I", "-S", "-c", Self.script] + paths, environment: context.environment, timeout: Self.runTimeout)
        return Self.parse(outcome, count: paths.count, executable: executable)
    }

    /// The verdicts `outcome` printed for `count` files.
    static func parse(_ outcome: CommandOutcome, count: Int, executable: String) -> Result<[Verdict], Failure> {
        let stdout: [UInt8]
        switch outcome {
        case .exited(0, let printed, _, false):
            stdout = printed
        case .exited(_, _, _, true):
            return .failure(Failure(text: "\(executable) printed more than envlock keeps while comparing bytecode"))
        case .exited(let status, _, let stderr, _):
            return .failure(Failure(text: "\(executable) exited with status \(status) while comparing bytecode with its source: \(UntrustedText.terminal(String(decoding: stderr.suffix(300), as: UTF8.self)))"))
        case .signaled(let signal):
            return .failure(Failure(text: "\(executable) was killed by signal \(signal) while comparing bytecode with its source"))
        case .notFound(let command):
            return .failure(Failure(text: "\(command) not found, so bytecode cannot be compared with its source"))
        case .timedOut(let after):
            return .failure(Failure(text: "\(executable) did not finish comparing bytecode with its source within \(after)"))
        case .failedToStart(let reason):
            return .failure(Failure(text: "\(executable) could not be started to compare bytecode with its source: \(reason)"))
        }
        let lines = stdout.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast()
        guard stdout.last == UInt8(ascii: "\n"), lines.count == count else {
            return .failure(Failure(text: "\(executable) answered \(lines.count) of \(count) bytecode files"))
        }
        var verdicts: [Verdict] = []
        for line in lines {
            switch String(decoding: line, as: UTF8.self) {
            case "same": verdicts.append(.same)
            case "unused": verdicts.append(.unused)
            case "differs": verdicts.append(.differs)
            case let other:
                return .failure(Failure(text: "\(executable) could not compare bytecode with its source: \(UntrustedText.terminal(String(other.prefix(300))))"))
            }
        }
        return .success(verdicts)
    }

    /// The comparison, run by the environment's interpreter with the `.pyc` paths as
    /// arguments; one line per path. It follows `SourceLoader.get_code` of CPython's
    /// `Lib/importlib/_bootstrap_external.py` (3.7 to 3.13; 3.6 has no `_classify_pyc`, so its
    /// files are undetermined): `source_from_cache` maps the file
    /// to its source and refuses another cache tag or a malformed name, `_classify_pyc` checks
    /// the magic number and flags, `_validate_timestamp_pyc` the header of a timestamp file.
    static let script = """
    import sys, os, marshal
    from importlib import _bootstrap_external as b
    from importlib.util import source_from_cache
    out = []
    for pyc in sys.argv[1:]:
        try:
            try:
                source = source_from_cache(pyc)
            except ValueError:
                out.append("unused"); continue
            parts = os.path.basename(pyc).split(".")
            level = 0
            if len(parts) == 4:
                if parts[2] not in ("opt-1", "opt-2"):
                    out.append("unused"); continue
                level = int(parts[2][4:])
            elif len(parts) != 3:
                out.append("unused"); continue
            try:
                with open(source, "rb") as f:
                    source_bytes = f.read()
                st = os.stat(source)
            except FileNotFoundError:
                out.append("unused"); continue
            with open(pyc, "rb") as f:
                data = f.read()
            details = {"name": pyc, "path": pyc}
            try:
                flags = b._classify_pyc(data, pyc, details)
                if flags & 1 == 0:
                    b._validate_timestamp_pyc(data, int(st.st_mtime), st.st_size, pyc, details)
            except (ImportError, EOFError):
                out.append("unused"); continue
            try:
                cached = marshal.loads(memoryview(data)[16:])
            except Exception:
                out.append("differs"); continue
            try:
                code = compile(source_bytes, source, "exec", dont_inherit=True, optimize=level)
            except (SyntaxError, ValueError):
                out.append("differs"); continue
            out.append("same" if cached == code else "differs")
        except Exception as e:
            out.append("error " + repr(e).replace("\\n", " ").replace("\\r", " "))
    sys.stdout.write("".join(line + "\\n" for line in out))
    """
}
