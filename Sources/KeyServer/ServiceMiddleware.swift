import Foundation
import GRDB
import Hummingbird
import NIOCore
import WhyLabsAPI

/// Everything every request goes through: injected latency and failures,
/// `X-Request-Id` on every answer, and thrown errors turned into
/// the service's JSON error bodies (never a crash, never an HTML page).
struct ServiceMiddleware: RouterMiddleware {
    typealias Context = KeyServerContext
    let server: KeyServer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            if let injected = try await faults(request, context: context) {
                response = injected
            } else {
                response = try await next(request, context)
            }
        } catch let error as APIFailure {
            response = error.response(requestId: context.requestId)
        } catch is RateLimited {
            // The real service answers 429 in plain text, without Retry-After.
            response = Response(
                status: .tooManyRequests,
                headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: "Too many requests. Please try again later.")))
        } catch let error as DatabaseError {
            // A full or read-only disk: the transaction was rolled back, nothing half-written.
            server.logger.error("store unavailable", metadata: ["requestId": "\(context.requestId)", "error": "\(error.resultCode)"])
            response = APIFailure.storeUnavailable.response(requestId: context.requestId)
        } catch let error as HTTPError where error.status == .notFound {
            response = APIFailure.notFound("Resource not found: \(Excerpt.of(request.uri.path))").response(requestId: context.requestId)
        } catch let error as HTTPError {
            response = APIFailure(status: error.status, type: "IllegalArgument", message: error.body ?? error.status.reasonPhrase)
                .response(requestId: context.requestId)
        } catch {
            server.logger.error("internal error", metadata: ["requestId": "\(context.requestId)", "error": "\(error)"])
            response = APIFailure.internalError.response(requestId: context.requestId)
        }
        response.headers[.init("X-Request-Id")!] = context.requestId
        if server.configuration.logRequests {
            // The key id says which key called (it is not the secret: lists show it).
            let caller = request.headers[.init("X-API-Key")!].map { header in
                APIKeyFormat.keyId(of: APIKeyFormat.split(header).key).flatMap { id in
                    id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } ? id : nil
                } ?? "malformed"
            } ?? "none"
            RequestLog.write("\(request.method.rawValue) \(request.uri.path) \(response.status.code) \(context.requestId) key=\(caller)")
        }
        return response
    }

    private func faults(_ request: Request, context: Context) async throws -> Response? {
        let config = server.configuration
        if config.latencyMs > 0 {
            try await Task.sleep(nanoseconds: UInt64(config.latencyMs) * 1_000_000)
        }
        if config.failRate > 0, Double.random(in: 0..<1) < config.failRate {
            throw APIFailure.internalError
        }
        return nil
    }
}

/// `--rate-limit` was reached by an authenticated caller's organization.
struct RateLimited: Error {}

/// `--log-requests`: one line per request on stdout, never a header or key.
enum RequestLog {
    static func write(_ line: String) {
        FileHandle.standardOutput.write(Data((Excerpt.of(line, limit: 300) + "\n").utf8))
    }
}

/// An error answer in the service's shape: `{"message", "requestId", "type"}`,
/// or an empty body for 401 and 403.
struct APIFailure: Error {
    var status: HTTPResponse.Status
    var type: String
    var message: String
    var emptyBody = false

    static func illegalArgument(_ message: String) -> APIFailure {
        APIFailure(status: .badRequest, type: "IllegalArgument", message: message)
    }
    static func notFound(_ message: String) -> APIFailure {
        APIFailure(status: .notFound, type: "ResourceNotFound", message: message)
    }
    static func keyNotFound(_ keyId: String) -> APIFailure {
        notFound("Resource ApiKey with ID \(keyId) not found.")
    }
    static let unauthorized = APIFailure(status: .unauthorized, type: "Unauthorized", message: "", emptyBody: true)
    static let forbidden = APIFailure(status: .forbidden, type: "Forbidden", message: "", emptyBody: true)
    static let internalError = APIFailure(status: .internalServerError, type: "Internal", message: "Internal error. Unable to process request")
    static let storeUnavailable = APIFailure(status: .serviceUnavailable, type: "Unavailable",
                                             message: "The key store cannot be written right now; nothing was changed. Try again later.")

    func response(requestId: String) -> Response {
        if emptyBody { return Response(status: status) }
        let body = APIErrorBody(message: message, requestId: requestId, type: type)
        return JSONResponse.make(status: status, KeyJSONWriter.errorBody(body, style: .compact))
    }
}

enum JSONResponse {
    /// The body as written by `KeyJSONWriter`, straight into the response.
    static func make(status: HTTPResponse.Status = .ok, _ bytes: [UInt8]) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
