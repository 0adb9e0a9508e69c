#if canImport(Glibc)
import Glibc
#endif
import EnvLock

/// The style names Fooocus knows (`modules/sdxl_styles.py`, Fooocus 2.5.5): "Fooocus V2",
/// "Random Style" and the `name` of every entry of every `.json` file under `sdxl_styles`,
/// as `normalize_key` rewrites it. `default_styles` must use only these.
///
/// How Fooocus reads them (L10-53): `os.walk` of the folder, sub-folders included, extension
/// compared in lower case; each file opened as UTF-8 and `json.load`ed inside one `try` per
/// file, so a file that does not parse is skipped and an entry that is not a dict with a `str`
/// name stops its file, the entries before it kept. Only membership matters to the validator,
/// so the order in which files load (and which of two equal names wins) does not.
struct FooocusStyles {
    /// Names known for certain.
    var names: Set<PythonString> = [PythonString(FooocusImageRecord.expansionStyle), PythonString("Random Style")]
    /// Why some names may be missing from `names`: a file or folder envlock could not read as
    /// Fooocus would, or a name whose case mapping it cannot be sure of.
    var uncertain: String?

    /// The validator's `all(y in legal_style_names for y in x)`, stopping at the first miss.
    func allLegal(_ items: [PythonValue]) -> FooocusConfig.Validity {
        for item in items {
            if case .string(let name) = item, names.contains(name) { continue }
            if let uncertain, case .string = item { return .undetermined("\(item.string?.description ?? "") may be a style envlock could not read: \(uncertain)") }
            return .valid(false)
        }
        return .valid(true)
    }

    /// Past this depth of sub-folders envlock stops walking, and says so.
    static let depthLimit = 32
    /// Larger style files are not read (the stock ones are under 200 KB).
    static let fileLimit = 64 << 20

    /// Reads every style file under `folder` as Fooocus does.
    static func read(_ folder: String, context: HostContext) -> Result<FooocusStyles, StylesUnreadable> {
        var styles = FooocusStyles()
        do {
            _ = try context.listDirectory(folder)
        } catch {
            if case .notFound = error { return .failure(StylesUnreadable(reason: "\(folder) is missing: Fooocus stops at start (os.walk finds no style files and sdxl_styles.py raises)")) }
            return .failure(StylesUnreadable(reason: "cannot list \(folder): \(error)"))
        }
        styles.walk(folder, depth: 0, context: context)
        return .success(styles)
    }

    struct StylesUnreadable: Error, Equatable {
        var reason: String
    }

    mutating func doubt(_ reason: String) {
        if uncertain == nil { uncertain = reason }
    }

    mutating func walk(_ folder: String, depth: Int, context: HostContext) {
        guard depth < Self.depthLimit else { return doubt("\(folder) is more than \(Self.depthLimit) folders deep") }
        let entries: [String]
        do {
            entries = try context.listDirectory(folder)
        } catch {
            // os.walk skips a folder it cannot list; this user may list less than the job's.
            return doubt("cannot list \(folder): \(error)")
        }
        for name in entries {
            let path = folder + "/" + name
            let isLink: Bool
            do throws(POSIXFailure) {
                isLink = try context.isSymbolicLink(path)
            } catch {
                return doubt("cannot look at \(path): \(error.reason)")
            }
            let isFolder = context.isDirectory(path)
            if isFolder {
                // os.walk does not descend into links to folders (followlinks=False).
                if !isLink { walk(path, depth: depth + 1, context: context) }
                continue
            }
            // os.path.splitext: the extension after the last dot, unless the name starts with it.
            let stem = name.drop { $0 == "." }
            guard let dot = stem.lastIndex(of: "."), stem[dot...].lowercased() == ".json" else { continue }
            readFile(path, context: context)
        }
    }

    mutating func readFile(_ path: String, context: HostContext) {
        let bytes: [UInt8]
        do {
            bytes = try context.readBytes(path, limit: Self.fileLimit, as: .styleFile)
        } catch {
            // A file that does not exist by now (a dangling link) is skipped by Fooocus' try; any
            // other failure may be this user's and not the job's.
            if case .notFound = error { return }
            return doubt("cannot read \(path): \(error)")
        }
        let value: PythonValue
        switch PythonJSON.read(bytes) {
        case .error: return
        case .undetermined(let reason): return doubt("\(path): \(reason)")
        case .value(let parsed): value = parsed
        }
        guard case .list(let entries) = value else { return }
        for entry in entries {
            guard case .dict = entry, case .string(let name)? = entry["name"] else { return }
            do {
                names.insert(try Self.normalizeKey(name))
            } catch {
                doubt("\(path): the style name \(name) cannot be normalised for certain (\(error))")
            }
        }
    }

    /// `normalize_key`: `-` to space, each space-separated word with its first code point
    /// upper-cased and the rest lower-cased, then four plain replacements anywhere in the name.
    static func normalizeKey(_ name: PythonString) throws(PythonStringMethods.Undetermined) -> PythonString {
        let spaced = PythonStringMethods.replace(name, "-", " ")
        var words: [PythonString] = []
        for word in PythonStringMethods.split(spaced, on: 0x20) {
            let head = PythonString(codePoints: Array(word.codePoints.prefix(1)))
            let tail = PythonString(codePoints: Array(word.codePoints.dropFirst()))
            words.append(PythonString(codePoints: try PythonStringMethods.upper(head).codePoints + PythonStringMethods.lower(tail).codePoints))
        }
        var joined = PythonString(codePoints: Array(words.map(\.codePoints).joined(separator: [0x20])))
        for (old, new) in [("3d", "3D"), ("Sai", "SAI"), ("Mre", "MRE"), ("(s", "(S")] {
            joined = PythonStringMethods.replace(joined, old, new)
        }
        return joined
    }
}
