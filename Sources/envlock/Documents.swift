import EnvLock
import Probe
#if canImport(Glibc)
import Glibc
#endif

/// Reading the documents and keys named on the command line, with errors that exit 2.
enum Documents {
    static func bytes(_ path: String) throws -> [UInt8] {
        do {
            return try DocumentFile.read(at: path)
        } catch {
            throw Failure.untrusted(error.description)
        }
    }

    static func profile(_ path: String) throws -> Profile {
        do {
            return try Profile.load(try bytes(path), path: path)
        } catch let error as DocumentError {
            throw Failure.untrusted(error.description)
        }
    }

    static func lock(_ path: String) throws -> LoadedLock {
        do {
            return try LoadedLock.load(try bytes(path), path: path)
        } catch let error as DocumentError {
            throw Failure.untrusted(error.description)
        }
    }

    /// A snapshot or lock; `-` reads a snapshot from standard input.
    static func facts(_ path: String) throws -> FactsDocument {
        do {
            if path == Fleet.standardInputArgument {
                return try FactsDocument.load(try DocumentFile.readStandardInput(limit: YAMLLimits().maxBytes), path: DocumentFile.standardInputName)
            }
            return try FactsDocument.load(try bytes(path), path: path)
        } catch let error as DocumentError {
            throw Failure.untrusted(error.description)
        }
    }

    /// The trusted public keys: every `--trust` file, then each file in `ENVLOCK_TRUST`
    /// (colon-separated).
    static func trustedKeys(_ paths: [String], environment: [String: String]) throws -> [VerifyingKey] {
        let fromEnvironment = (environment["ENVLOCK_TRUST"] ?? "").split(separator: ":").map(String.init)
        var keys: [VerifyingKey] = []
        for path in paths + fromEnvironment {
            do {
                keys.append(try KeyFiles.readPublicKey(at: path))
            } catch {
                throw Failure.untrusted("\(error)")
            }
        }
        return keys
    }
}

/// The current time, to the second.
func currentTime() -> Timestamp {
    Timestamp(secondsSinceEpoch: Int64(time(nil)))
}
