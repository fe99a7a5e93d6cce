import Foundation

/// What can go wrong talking to the API, in terms a user interface can act on.
public enum APIError: Error, Sendable, Equatable {
    /// 401: no key was sent.
    case unauthorized(requestId: String?)
    /// 403: the key is malformed, expired, revoked, or may not do this.
    case forbidden(requestId: String?)
    /// 404, or `{}` from get.
    case notFound(message: String, requestId: String?)
    /// 400 and other 4xx the service explains in its JSON body.
    case rejected(status: Int, message: String, type: String?, requestId: String?)
    /// 429 with its plain-text body.
    case rateLimited(message: String)
    /// 5xx.
    case server(status: Int, message: String, requestId: String?)
    /// The request did not complete: refused, timed out, DNS, TLS.
    case transport(TransportFailure, detail: String)
    /// The answer was not what the API documents.
    case undecodable(excerpt: String)
    /// The answer's body was larger than the client accepts (never retried:
    /// the same request would bring the same answer).
    case tooLarge(limit: Int)

    public enum TransportFailure: String, Sendable, Equatable {
        case connectionRefused = "connection refused"
        case connectTimeout = "connect timeout"
        case readTimeout = "read timeout"
        case dns = "host not found"
        case tls = "TLS failure"
        case connectionClosed = "connection closed"
        case other = "network error"

        /// True when the request certainly never reached the server, so even a
        /// non-idempotent request may be sent again.
        public var requestNeverSent: Bool {
            switch self {
            case .connectionRefused, .connectTimeout, .dns: return true
            case .readTimeout, .tls, .connectionClosed, .other: return false
            }
        }
    }

    /// Whether a safe (read-only) request may be retried after this error.
    public var isTransient: Bool {
        switch self {
        case .rateLimited: return true
        case .server(let status, _, _): return status == 502 || status == 503 || status == 504 || status == 500
        case .transport: return true
        default: return false
        }
    }

    /// The request was sent and no answer came back: a write may or may not
    /// have happened on the server.
    public var outcomeUnknown: Bool {
        if case .transport(let failure, _) = self { return !failure.requestNeverSent }
        return false
    }

    public var requestId: String? {
        switch self {
        case .unauthorized(let id), .forbidden(let id): return id
        case .notFound(_, let id), .rejected(_, _, _, let id), .server(_, _, let id): return id
        default: return nil
        }
    }
}

extension APIError: LocalizedError, CustomStringConvertible {
    /// One line, worded for the person at the keyboard.
    public var description: String {
        func withId(_ text: String, _ id: String?) -> String {
            guard let id = RequestId.clean(id) else { return text }
            return "\(text) (request \(id))"
        }
        switch self {
        case .unauthorized(let id):
            return withId("unauthorized (401): no API key was sent", id)
        case .forbidden(let id):
            return withId("forbidden (403): the API key is invalid, expired or revoked, or may not do this", id)
        case .notFound(let message, let id):
            return withId("not found (404): \(DisplayText.sanitize(message))", id)
        case .rejected(let status, let message, _, let id):
            return withId("rejected (\(status)): \(DisplayText.sanitize(message))", id)
        case .rateLimited(let message):
            return "rate limited (429): \(Excerpt.of(message))"
        case .server(let status, let message, let id):
            return withId("server error (\(status)): \(DisplayText.sanitize(message))", id)
        case .transport(let failure, let detail):
            return detail.isEmpty ? "cannot reach the server: \(failure.rawValue)" : "cannot reach the server: \(failure.rawValue) (\(DisplayText.sanitize(detail)))"
        case .undecodable(let excerpt):
            return "the server's answer could not be read: \(DisplayText.sanitize(excerpt))"
        case .tooLarge(let limit):
            return "the server's answer is larger than \(limit / (1024 * 1024)) MiB; refusing to read it"
        }
    }

    public var errorDescription: String? { description }

    /// The process exit code the command line uses for this error (see `--help`).
    public var exitCode: Int32 {
        switch self {
        case .rejected: return ExitStatus.rejected
        case .notFound: return ExitStatus.notFound
        case .unauthorized, .forbidden: return ExitStatus.denied
        case .rateLimited: return ExitStatus.rateLimited
        case .server: return ExitStatus.serverError
        case .transport: return ExitStatus.unreachable
        case .undecodable, .tooLarge: return ExitStatus.badResponse
        }
    }
}

/// The command line's exit codes, one per kind of failure.
public enum ExitStatus {
    public static let success: Int32 = 0
    public static let rejected: Int32 = 1
    public static let notFound: Int32 = 3
    public static let denied: Int32 = 4
    public static let rateLimited: Int32 = 5
    public static let serverError: Int32 = 6
    public static let unreachable: Int32 = 7
    public static let badResponse: Int32 = 8
    public static let declined: Int32 = 10
    public static let usage: Int32 = 64
    public static let config: Int32 = 78

    public static let help = """
        EXIT CODES:
          0   success
          1   the server rejected the request (400: invalid scope, expiration, key limit)
          3   not found (404, or an unknown key id)
          4   unauthorized or forbidden (401/403): wrong, expired or revoked API key
          5   rate limited (429)
          6   server error (5xx)
          7   the server could not be reached (refused, timeout, DNS, TLS)
          8   the server's answer could not be read
          10  revoke declined at the prompt
          64  bad command-line arguments
          78  bad configuration (config file, key file, endpoint)
        """
}
