import NIOCore
import Synchronization

/// An answer body handed over in pieces as it is written, so it can be
/// sent while the rest is still being read from the store.
///
/// The first piece is kept apart: the handler awaits it before it answers
/// at all, so a store that fails before anything is written still gets a
/// proper error answer (503, 500) rather than a `200` cut short. A failure
/// after that ends the body's stream with the error, and the connection is
/// closed mid-body: the caller sees an incomplete answer, never a short one
/// that parses.
final class AnswerPieces: Sendable {
    private let head: AsyncThrowingStream<ByteBuffer, any Error>
    private let headIn: AsyncThrowingStream<ByteBuffer, any Error>.Continuation
    /// Every piece after the first, in order.
    let rest: AsyncThrowingStream<ByteBuffer, any Error>
    private let restIn: AsyncThrowingStream<ByteBuffer, any Error>.Continuation
    private let begun = Atomic<Bool>(false)

    init() {
        (head, headIn) = AsyncThrowingStream.makeStream()
        (rest, restIn) = AsyncThrowingStream.makeStream()
    }

    /// The writer's side: the next piece. Called from one task only.
    /// False when nobody will read it: the answer was abandoned (the
    /// client went away), and writing the rest is wasted.
    func send(_ piece: [UInt8]) -> Bool {
        let buffer = ByteBuffer(bytes: piece)
        let result: AsyncThrowingStream<ByteBuffer, any Error>.Continuation.YieldResult
        if begun.exchange(true, ordering: .acquiringAndReleasing) {
            result = restIn.yield(buffer)
        } else {
            result = headIn.yield(buffer)
            headIn.finish()
        }
        if case .terminated = result { return false }
        return true
    }

    /// The writer's side: the body is complete.
    func finish() {
        if !begun.exchange(true, ordering: .acquiringAndReleasing) {
            headIn.yield(ByteBuffer())
            headIn.finish()
        }
        restIn.finish()
    }

    /// The writer's side: writing failed. Before the first piece the
    /// handler's `first()` throws; after it, the body's stream does.
    func fail(_ error: any Error) {
        if begun.exchange(true, ordering: .acquiringAndReleasing) {
            restIn.finish(throwing: error)
        } else {
            headIn.finish(throwing: error)
            restIn.finish()
        }
    }

    /// The answer's side: nobody will read the rest (the client went
    /// away). Every `send` from now on says so.
    func abandon() {
        restIn.finish()
    }

    /// The first piece, once written; throws what writing threw if it
    /// failed before that. Awaited once.
    func first() async throws -> ByteBuffer {
        for try await piece in head { return piece }
        throw CancellationError()
    }
}
