import CCrypto

/// SHA-256 (FIPS 180-4) from the system libcrypto: registry content hashes and the experiment
/// assignment hash. libcrypto rather than swift-crypto because the latter compiles BoringSSL from
/// source on Linux (a minute of every clean CI build) for the one function we need.
public enum SHA256 {
    public static func digest(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var size: UInt32 = 0
        // EVP_Digest only fails on allocation failure inside OpenSSL; the all-zero digest it
        // would leave cannot match real content, and callers compare digests, never trust them.
        _ = bytes.withUnsafeBytes { input in
            out.withUnsafeMutableBufferPointer { output in
                EVP_Digest(input.baseAddress, input.count, output.baseAddress, &size, EVP_sha256(), nil)
            }
        }
        return out
    }

    public static func hex(_ bytes: [UInt8]) -> String {
        hexString(digest(bytes))
    }

    public static func hexString(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
