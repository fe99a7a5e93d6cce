import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix

/// Turns the many error types of NIO and AsyncHTTPClient into the few
/// transport failures a user can understand and the client can decide on.
enum TransportErrorClassifier {
    static func classify(_ error: any Error) -> APIError {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return .transport(.connectTimeout, detail: "")
            case .readTimeout, .deadlineExceeded, .writeTimeout: return .transport(.readTimeout, detail: "")
            case .remoteConnectionClosed: return .transport(.connectionClosed, detail: "the server closed the connection")
            case .tlsHandshakeTimeout: return .transport(.tls, detail: "handshake timed out")
            case .invalidURL, .emptyHost, .emptyScheme:
                return .transport(.other, detail: "invalid endpoint URL")
            default: return .transport(.other, detail: String(describing: error))
            }
        }
        if let error = error as? NIOConnectionError {
            if error.connectionErrors.isEmpty, error.dnsAError != nil || error.dnsAAAAError != nil {
                return .transport(.dns, detail: "")
            }
            if let first = error.connectionErrors.first {
                return classify(first.error)
            }
            return .transport(.connectionRefused, detail: "")
        }
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED: return .transport(.connectionRefused, detail: "")
            case ETIMEDOUT: return .transport(.connectTimeout, detail: "")
            case ENETUNREACH, EHOSTUNREACH: return .transport(.connectionRefused, detail: "network unreachable")
            case ECONNRESET, EPIPE: return .transport(.connectionClosed, detail: "connection reset")
            default: return .transport(.other, detail: String(describing: error))
            }
        }
        let typeName = String(reflecting: type(of: error))
        // NIO's resolver errors are not public types; their names are stable.
        if error is SocketAddressError || typeName.contains("Getaddrinfo") || typeName.contains("Resolver") {
            return .transport(.dns, detail: "")
        }
        if let error = error as? ChannelError {
            if case .connectTimeout = error { return .transport(.connectTimeout, detail: "") }
            return .transport(.connectionClosed, detail: String(describing: error))
        }
        if typeName.contains("SSL") || typeName.contains("TLS") {
            return .transport(.tls, detail: Excerpt.of(String(describing: error)))
        }
        return .transport(.other, detail: Excerpt.of(String(describing: error)))
    }
}
