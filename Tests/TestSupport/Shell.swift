#if canImport(Glibc)
import Glibc
#endif

/// Runs a shell command line and returns its standard output (tests only; Glibc popen).
public func shellOutput(_ commandLine: String) -> (status: Int32, output: String) {
    let (status, bytes) = shellOutputBytes(commandLine)
    return (status, String(decoding: bytes, as: UTF8.self))
}

/// Runs a shell command line and returns its standard output as bytes.
public func shellOutputBytes(_ commandLine: String) -> (status: Int32, output: [UInt8]) {
    guard let pipe = popen(commandLine, "r") else { return (-1, []) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = fread(&buffer, 1, buffer.count, pipe)
        if count <= 0 { break }
        bytes += buffer[0..<count]
    }
    let status = pclose(pipe)
    return ((status >> 8) & 0xFF, bytes)
}

/// Real git repositories for tests.
public enum GitFixture {
    /// Whether this machine has git to make them with.
    public static let available = shellOutput("git --version").status == 0

    /// Runs git in `folder` with no user or system configuration, a fixed author and fixed
    /// dates (so a commit's id depends on its files alone); its output, or a failure with it.
    @discardableResult
    public static func git(_ arguments: String, in folder: String) throws -> String {
        let environment = "GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_DATE='2025-01-24T11:55:35+01:00' GIT_COMMITTER_DATE='2025-01-24T11:55:35+01:00'"
        let (status, output) = shellOutput("cd '\(folder)' && \(environment) git -c user.name=envlock -c user.email=tests@envlock.invalid -c init.defaultBranch=main -c protocol.file.allow=always \(arguments) 2>&1")
        guard status == 0 else { throw TestFiles.Failure(message: "git \(arguments) in \(folder): \(output)") }
        return output
    }

    /// Makes `folder` a git checkout whose one commit holds its files, less `untracked`
    /// (paths relative to it); returns the commit.
    public static func commitAll(in folder: String, leaving untracked: [String] = []) throws -> String {
        try git("init -q", in: folder)
        try git("add -A", in: folder)
        for path in untracked { try git("rm -r -q --cached --ignore-unmatch '\(path)'", in: folder) }
        try git("commit -q --allow-empty -m checkout", in: folder)
        return String(try git("rev-parse HEAD", in: folder).prefix { $0 != "\n" })
    }
}
