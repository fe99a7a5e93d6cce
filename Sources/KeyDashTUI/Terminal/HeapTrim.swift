import CProcessHardening

/// After a large list replaces the last one, the allocator's free pages go
/// back to the system: RSS follows the keys held, not the most ever held.
public enum HeapTrim {
    /// Lists smaller than this leave too little behind to be worth the walk.
    public static let threshold = 10_000

    /// Before anything is loaded: large blocks (a list's arrays) go back to
    /// the system as soon as they are freed.
    public static func prepare() {
        _ = kd_return_large_blocks_promptly()
    }

    public static func afterList(of count: Int) {
        if count >= threshold { _ = kd_release_free_memory() }
    }
}
