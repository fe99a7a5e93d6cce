import Foundation
import Hummingbird

/// Per-request context: Hummingbird's core storage plus the request id that
/// every answer carries in `X-Request-Id` and in error bodies.
public struct KeyServerContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var requestId: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        requestId = UUID().uuidString.lowercased()
    }
}
