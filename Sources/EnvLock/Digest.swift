import Crypto

/// SHA-256 as lowercase hex, for fingerprints and cache file names.
public enum Digest {
    public static func sha256Hex(_ bytes: some Sequence<UInt8>) -> String {
        Hex.encode(Array(SHA256.hash(data: Array(bytes))))
    }
}
