@testable import EnvLock

/// Lines of a wheel's RECORD as pip writes them: `path,sha256=<urlsafe base64, no padding>,size`.
enum RecordLines {
    static func line(_ path: String, _ text: String) -> String {
        let hex = Array(Digest.sha256Hex(text.utf8).utf8)
        let value = { (digit: UInt8) -> UInt8 in digit <= UInt8(ascii: "9") ? digit - UInt8(ascii: "0") : digit - UInt8(ascii: "a") + 10 }
        let bytes = stride(from: 0, to: hex.count, by: 2).map { value(hex[$0]) << 4 | value(hex[$0 + 1]) }
        let encoded = Base64Codec.encode(bytes).replacing("+", with: "-").replacing("/", with: "_").replacing("=", with: "")
        return "\(path),sha256=\(encoded),\(text.utf8.count)\n"
    }
}
