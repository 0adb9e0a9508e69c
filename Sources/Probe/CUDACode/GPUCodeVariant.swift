/// One kind of GPU code a fat binary holds: machine code (SASS, in an ELF cubin) for one SM
/// version, or PTX for one virtual architecture, which the driver compiles when it loads it.
struct GPUCodeVariant: Hashable, Sendable, Comparable {
    enum Kind: Hashable, Sendable {
        case sass
        case ptx
    }

    var kind: Kind
    /// `major * 10 + minor`, as the fat binary writes it: 86 for sm_86, 100 for sm_100.
    var arch: Int
    /// An architecture-specific build (`sm_90a`): it uses features only that exact compute
    /// capability has, so it runs nowhere else.
    var archSpecific: Bool = false

    var major: Int { arch / 10 }
    var minor: Int { arch % 10 }

    /// `sm_86`, `sm_90a`, `compute_80`: the names nvcc's `-gencode` and cuobjdump use.
    var name: String {
        (kind == .sass ? "sm_" : "compute_") + String(arch) + (archSpecific ? "a" : "")
    }

    /// The variant a name written by `name` stands for, or nil for any other text.
    init?(name: String) {
        let kind: Kind
        var rest: Substring
        if name.hasPrefix("sm_") {
            (kind, rest) = (.sass, name.dropFirst(3))
        } else if name.hasPrefix("compute_") {
            (kind, rest) = (.ptx, name.dropFirst(8))
        } else {
            return nil
        }
        let archSpecific = rest.hasSuffix("a")
        if archSpecific { rest = rest.dropLast() }
        guard !rest.isEmpty, rest.count <= 4, rest.allSatisfy({ $0.isASCII && $0.isNumber }), let arch = Int(rest), rest.first != "0" else { return nil }
        self.init(kind: kind, arch: arch, archSpecific: archSpecific)
    }

    init(kind: Kind, arch: Int, archSpecific: Bool = false) {
        self.kind = kind
        self.arch = arch
        self.archSpecific = archSpecific
    }

    /// By architecture, the plain build before the `a` one.
    static func < (lhs: GPUCodeVariant, rhs: GPUCodeVariant) -> Bool {
        (lhs.arch, lhs.archSpecific ? 1 : 0, lhs.kind == .sass ? 0 : 1) < (rhs.arch, rhs.archSpecific ? 1 : 0, rhs.kind == .sass ? 0 : 1)
    }
}
