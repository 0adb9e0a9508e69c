/// `envlock verify`'s report: which lock, how it earned trust, and the evaluation of this
/// machine against it, as text, Markdown and a JSON/YAML document.
public struct VerificationReport: Sendable, Equatable {
    public var lock: TrustedLock
    public var evaluation: Evaluation
    /// The name of the machine verified (its `host.name` fact), for the verdict attestation.
    public var host: String?

    public init(lock: TrustedLock, evaluation: Evaluation, host: String? = nil) {
        self.lock = lock
        self.evaluation = evaluation
        self.host = host
    }

    /// `envlock verify: PATH (profile "NAME", signed by trusted key ID)`; also heads `run`'s refusal.
    var header: String {
        lock.heading("verify")
    }

    /// For people: the failures, then the verdict (`all` lists the passes), fitting `width`.
    public func text(all: Bool = false, width: Int = TextWrap.defaultWidth) -> String {
        evaluation.text(header: header, all: all, width: width)
    }

    /// For a bug report: the failures (`all`: every rule) as a table, then the verdict.
    public func markdown(all: Bool = false) -> String { evaluation.markdown(header: header, all: all) }

    /// `{"lock", "profile", "fingerprint", "trust": {"status", "key_id"}, "verdict", "errors",
    /// "warnings", "results", "findings"}`.
    public var document: JSONValue {
        var trustMembers: [JSONValue.Member] = []
        switch lock.verdict {
        case .signed(let keyID):
            trustMembers = [.init("status", .string("signed")), .init("key_id", .string(keyID))]
        case .unsignedAllowed:
            trustMembers = [.init("status", .string("unsigned-allowed"))]
        }
        return evaluation.document(context: [
            .init("lock", .string(lock.loaded.path)),
            .init("profile", .string(lock.loaded.lock.profile)),
            .init("fingerprint", .string(lock.loaded.lock.fingerprint)),
            .init("trust", .object(trustMembers)),
        ])
    }

    /// The document `verify --format json|yaml` writes when the check stopped before a
    /// verdict (exit 2): the lock argument, `untrusted` and the reason.
    public static func untrustedDocument(lock path: String, error: String) -> JSONValue {
        .object(["lock": .string(path), "verdict": .string("untrusted"), "error": .string(error)])
    }
}

extension TrustedLock {
    /// `envlock COMMAND: PATH (profile "NAME", signed by trusted key ID)`, escaped for a terminal.
    public func heading(_ command: String) -> String {
        "envlock \(command): \(UntrustedText.terminal(loaded.path)) (profile \(UntrustedText.quoted(loaded.lock.profile)), \(verdict.text))"
    }
}

extension TrustVerdict {
    /// `signed by trusted key ID` or `UNSIGNED (accepted because of --allow-unsigned)`.
    public var text: String {
        switch self {
        case .signed(let keyID): "signed by trusted key \(keyID)"
        case .unsignedAllowed: "UNSIGNED (accepted because of --allow-unsigned)"
        }
    }
}
