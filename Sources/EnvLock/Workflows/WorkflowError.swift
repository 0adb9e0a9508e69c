/// Why a workflow stopped before reaching its verdict: an input document or key that cannot
/// be read, a lock that cannot be trusted, a profile that cannot be locked, or a signature
/// that cannot be made. Every case carries the error that names the file and says what to do;
/// the command line reports it and exits 2.
public enum WorkflowError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A profile, lock or snapshot cannot be read or is malformed.
    case document(DocumentError)
    /// A trusted public key or the signing key cannot be read.
    case key(KeyFileError)
    /// The lock was read but cannot be trusted.
    case trust(TrustError)
    /// The lock could not be signed.
    case signing(SignatureError)
    /// The profile's `expires` has passed, so a lock made from it would never verify.
    case profileExpired(path: String, expires: Timestamp)

    public var description: String {
        switch self {
        case .document(let error): error.description
        case .key(let error): error.description
        case .trust(let error): error.description
        case .signing(let error): error.description
        case .profileExpired(let path, let expires):
            "\(path): error: the profile's expires (\(expires)) has passed, so a lock made from it would never verify; set a later expires and lock again"
        }
    }
}
