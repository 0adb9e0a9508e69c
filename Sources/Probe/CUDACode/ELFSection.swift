/// One section of an ELF file, as its section header table describes it.
struct ELFSection: Equatable, Sendable {
    var name: String
    /// Where the section's bytes start in the file, and how many there are.
    var offset: Int
    var size: Int
}
