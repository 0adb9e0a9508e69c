/// CUDA version spellings used by PyTorch wheels and xformers' build metadata.
enum CUDAVersionText {
    /// `12.1` from xformers' integer `1201`: its setup.py stores nvcc's release as
    /// major * 100 + minor.
    static func fromInteger(_ value: Int) -> String {
        return "\(value / 100).\(value % 100)"
    }

    /// `12.1` from a wheel's local version tag `cu121`, `11.8` from `cu118`, `9.2` from `cu92`;
    /// nil for other tags (`cpu`, `rocm5.7`).
    static func fromLocalTag(_ tag: some StringProtocol) -> String? {
        guard tag.hasPrefix("cu") else { return nil }
        let digits = tag.dropFirst(2)
        guard digits.count >= 2, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return "\(digits.dropLast()).\(digits.suffix(1))"
    }

    /// The local version tag of a PEP 440 version (`cu121` from `2.2.0+cu121`), if any.
    static func localTag(of version: String) -> Substring? {
        guard let plus = version.firstIndex(of: "+") else { return nil }
        return version[version.index(after: plus)...]
    }
}
