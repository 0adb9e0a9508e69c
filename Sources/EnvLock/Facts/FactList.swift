/// How a list-valued setting (Fooocus' default styles, its enabled LoRAs) is held in the flat
/// fact map: one value, the list as canonical JSON (`["Fooocus Enhance","Fooocus Sharp"]`,
/// `[]` for none). One value rather than one key per item, so that a `pin` or `equals` rule
/// compares the whole list, order included, and a list that lost an item cannot still match.
public enum FactList {
    /// The canonical encoding of `items`.
    public static func encode(_ items: [String]) -> String {
        String(decoding: JSONText.canonical(.array(items.map(JSONValue.string))), as: UTF8.self)
    }

    /// The items of a value written by `encode`; nil when the value is not a JSON list of strings.
    public static func decode(_ value: String) -> [String]? {
        guard value.hasPrefix("[") else { return nil }
        let parsed: MinimalJSON.Value
        do {
            parsed = try MinimalJSON.parse(Array(value.utf8))
        } catch {
            // Not a list after all: callers read such a value as a single item.
            return nil
        }
        guard case .array(let elements) = parsed else { return nil }
        var items: [String] = []
        for element in elements {
            guard case .string(let item) = element else { return nil }
            items.append(item)
        }
        return items
    }

    /// The items a list rule looks at: the list's items, or the value itself when the fact is a
    /// single setting (`excludes: "*_gpu"` on a sampler name works the same as on a list).
    static func items(of value: String) -> [String] {
        decode(value) ?? [value]
    }

    /// Whether `item` matches `pattern`, where `*` matches any run of characters (dots and
    /// spaces included) and everything else matches byte for byte.
    static func item(_ item: String, matches pattern: String) -> Bool {
        var item = item, pattern = pattern
        return item.withUTF8 { itemBytes in
            pattern.withUTF8 { FactPattern.match(pattern: $0, key: itemBytes, starCrossesDots: true) }
        }
    }
}
