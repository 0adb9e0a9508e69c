#if canImport(Glibc)
import Glibc
#endif

/// Runs the `openssl` command-line tool for interoperability tests.
///
/// openssl is a test dependency: the tests that use it fail (rather than skip) where it is
/// missing, because interoperability with it is a promise envlock makes.
enum OpenSSLCLI {
    struct Result {
        var status: Int32
        var output: String
        var errorOutput: String
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let executable: String = {
        for folder in ["/usr/bin", "/usr/local/bin", "/bin"] where access(folder + "/openssl", X_OK) == 0 {
            return folder + "/openssl"
        }
        return "/usr/bin/openssl"
    }()

    /// Runs `openssl ARGUMENTS` with `folder` as scratch space for its captured output.
    static func run(_ arguments: [String], scratch folder: String) throws -> Result {
        let outputPath = folder + "/.openssl-stdout"
        let errorPath = folder + "/.openssl-stderr"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let spawnError = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawnError == 0 else {
            throw Failure(description: "cannot run \(executable) (errno \(spawnError)); the openssl CLI is needed for these tests")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exitStatus = status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        defer {
            unlink(outputPath)
            unlink(errorPath)
        }
        return Result(
            status: exitStatus,
            output: try FileFixture.readText(outputPath),
            errorOutput: try FileFixture.readText(errorPath)
        )
    }

    /// Runs openssl and throws with its error output unless it exits 0; returns its standard output.
    @discardableResult
    static func succeed(_ arguments: [String], scratch folder: String) throws -> String {
        let result = try run(arguments, scratch: folder)
        guard result.status == 0 else {
            throw Failure(description: "openssl \(arguments.joined(separator: " ")) exited \(result.status): \(result.errorOutput)")
        }
        return result.output
    }
}
