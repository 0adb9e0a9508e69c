/// Paths to the shared test data that lives beside the repository (`../shared`), and to the
/// package itself, for every test target.
public enum SharedData {
    /// The package root, found from this file's place in `Tests/TestSupport/`.
    public static let packageRoot: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    /// `../shared` beside the repository.
    public static let root = packageRoot + "/../shared"
    public static let conformance = root + "/conformance"
    public static let realFixtures = root + "/fixtures/real"
}
