/// Paths to the shared test data that lives beside the repository (`../shared`).
enum SharedData {
    /// The package root, found from this file's place in `Tests/<Target>/Support/`.
    static let packageRoot: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(4)
        return parts.joined(separator: "/")
    }()

    /// `../shared` beside the repository.
    static let root = packageRoot + "/../shared"
    static let conformance = root + "/conformance"
    static let realFixtures = root + "/fixtures/real"
}
