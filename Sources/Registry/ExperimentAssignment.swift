import CoreSupport

/// Sticky A/B assignment that any language can reproduce without calling promptkit
/// (docs/registry.md has the same definition and a Python version):
///
///     digest  = SHA-256( UTF-8(experiment id) ‖ 0x00 ‖ UTF-8(user id) )
///     n       = the first 8 bytes of digest as an unsigned big-endian integer
///     bucket  = (n >> 11) / 2^53            a double in [0, 1), exact
///     variant = bucket < split ? treatment : control
///
/// The 53-bit shift makes `bucket` exactly representable as a double in every language, so the
/// comparison with `split` gives the same answer everywhere. The experiment id (its name, not a
/// row id) keeps assignments identical across registries, exports and machines.
public enum ExperimentAssignment {
    public static func bucket(experiment: String, user: String) -> Double {
        let digest = SHA256.digest(Array(experiment.utf8) + [0] + Array(user.utf8))
        var n: UInt64 = 0
        for byte in digest.prefix(8) { n = n << 8 | UInt64(byte) }
        return Double(n >> 11) / 9_007_199_254_740_992  // 2^53
    }

    public static func variant(bucket: Double, split: Double) -> Experiment.Variant {
        bucket < split ? .treatment : .control
    }
}
