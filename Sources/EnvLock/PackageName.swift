/// Python distribution names as fact keys carry them.
public enum PackageName {
    /// A distribution name as PEP 503 normalizes it: lowercase, runs of `-`, `_`, `.` become `-`.
    public static func normalize(_ name: some StringProtocol) -> String {
        var result = ""
        result.reserveCapacity(name.utf8.count)
        var inSeparatorRun = false
        for scalar in name.unicodeScalars {
            if scalar == "-" || scalar == "_" || scalar == "." {
                if !inSeparatorRun { result.append("-") }
                inSeparatorRun = true
            } else {
                inSeparatorRun = false
                if scalar.value >= 0x41 && scalar.value <= 0x5A {
                    result.unicodeScalars.append(Unicode.Scalar(scalar.value + 0x20)!)
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result
    }
}
