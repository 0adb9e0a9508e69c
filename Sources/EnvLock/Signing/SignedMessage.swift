/// The exact bytes a lock signature covers: DSSE's pre-authentication encoding (PAE) of the
/// lock's canonical JSON under envlock's payload type.
///
///     "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body
///
/// where SP is one space (0x20) and LEN is the byte count in ASCII decimal without leading
/// zeros (https://github.com/secure-systems-lab/dsse/blob/master/protocol.md). The type string
/// is part of what is signed, so a signature made with the same key for any other purpose
/// (another payload type, or bare canonical bytes) never verifies as a lock signature, and the
/// length prefixes leave no freedom in where the type ends and the body begins.
enum SignedMessage {
    /// The payload type of an envlock lock, version 1 of the format.
    static let payloadType = "application/vnd.envlock.lock+json; version=1"

    /// The bytes a lock signature covers, for the lock's canonical JSON bytes.
    static func bytes(canonical: [UInt8]) -> [UInt8] {
        bytes(payloadType: payloadType, body: canonical)
    }

    /// The pre-authentication encoding of `body` under any payload type.
    static func bytes(payloadType: String, body: [UInt8]) -> [UInt8] {
        let type = Array(payloadType.utf8)
        var message: [UInt8] = []
        message.reserveCapacity(type.count + body.count + 32)
        message += Array("DSSEv1 \(type.count) ".utf8)
        message += type
        message += Array(" \(body.count) ".utf8)
        message += body
        return message
    }
}
