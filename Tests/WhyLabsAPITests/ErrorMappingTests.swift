import Foundation
import NIOCore
import Testing
@testable import WhyLabsAPI

@Suite struct ErrorMappingTests {
    func map(_ status: Int, _ body: String, requestId: String? = "hdr-id") -> APIError? {
        WhyLabsClient.failure(status: status, body: ByteBuffer(string: body), requestId: requestId)
    }

    @Test func mapsEveryStatusToATypedError() {
        #expect(map(401, "") == .unauthorized(requestId: "hdr-id"))
        #expect(map(403, "") == .forbidden(requestId: "hdr-id"))
        #expect(map(404, #"{"message":"Resource ApiKey with ID X not found.","requestId":"body-id","type":"ResourceNotFound"}"#)
            == .notFound(message: "Resource ApiKey with ID X not found.", requestId: "body-id"))
        #expect(map(400, #"{"message":"Invalid scope provided: :nope","requestId":"r1","type":"IllegalArgument"}"#)
            == .rejected(status: 400, message: "Invalid scope provided: :nope", type: "IllegalArgument", requestId: "r1"))
        #expect(map(429, "Too many requests. Please try again later.")
            == .rateLimited(message: "Too many requests. Please try again later."))
        #expect(map(500, #"{"message":"Internal error. Unable to process request","type":"Internal"}"#)
            == .server(status: 500, message: "Internal error. Unable to process request", requestId: "hdr-id"))
        #expect(map(502, "<html>bad gateway</html>") == .server(status: 502, message: "<html>bad gateway</html>", requestId: "hdr-id"))
    }

    @Test func errorTextIsOneSafeLine() {
        let error = map(500, "line one\n\u{1B}[31mred\u{1B}[0m")!
        let text = error.description
        #expect(!text.contains("\n"))
        #expect(!text.contains("\u{1B}"))
    }

    @Test func serverTextInErrorsIsSanitizedIncludingRequestIds() {
        let hostileId = "id\u{1B}]52;c;ZXZpbA==\u{07}\u{202E}"
        let fromBody = map(500, #"{"message":"bad\u202e\u200bthing","requestId":"\#(hostileId.replacingOccurrences(of: "\u{1B}", with: "\\u001b").replacingOccurrences(of: "\u{07}", with: "\\u0007"))"}"#)!
        let fromHeader = map(403, "", requestId: hostileId)!
        let direct = APIError.notFound(message: "x\u{9B}31m\u{2066}", requestId: hostileId)
        for error in [fromBody, fromHeader, direct] {
            let text = error.description
            #expect(!text.unicodeScalars.contains { DisplayText.isUnsafe($0) }, "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
            #expect(text.contains("request id"), "the id is still shown, made visible")
        }
        #expect(fromBody.requestId?.unicodeScalars.contains { DisplayText.isUnsafe($0) } == false)
        #expect(fromHeader.requestId?.unicodeScalars.contains { DisplayText.isUnsafe($0) } == false)
        #expect(Excerpt.of("a\u{202E}b\u{200B}c\u{FEFF}").unicodeScalars.allSatisfy { !DisplayText.isUnsafe($0) })
    }

    @Test func exitCodesDifferByKind() {
        let codes: [Int32] = [
            APIError.unauthorized(requestId: nil).exitCode, APIError.notFound(message: "", requestId: nil).exitCode,
            APIError.rateLimited(message: "").exitCode, APIError.server(status: 500, message: "", requestId: nil).exitCode,
            APIError.transport(.connectionRefused, detail: "").exitCode, APIError.undecodable(excerpt: "").exitCode,
            APIError.rejected(status: 400, message: "", type: nil, requestId: nil).exitCode,
        ]
        #expect(Set(codes).count == codes.count)
        #expect(!codes.contains(0))
    }

    @Test func onlyRequestsThatNeverLeftMayBeResent() {
        #expect(APIError.TransportFailure.connectionRefused.requestNeverSent)
        #expect(APIError.TransportFailure.dns.requestNeverSent)
        #expect(!APIError.TransportFailure.readTimeout.requestNeverSent)
        #expect(!APIError.TransportFailure.connectionClosed.requestNeverSent)
    }

    @Test func backoffIsCappedAndJittered() {
        let policy = RetryPolicy(maxAttempts: 5, baseDelay: 0.25, maxDelay: 2)
        #expect(policy.delay(afterAttempt: 1, random: 1) == 0.25)
        #expect(policy.delay(afterAttempt: 2, random: 1) == 0.5)
        #expect(policy.delay(afterAttempt: 10, random: 1) == 2)
        #expect(policy.delay(afterAttempt: 10, random: 0) == 1)
    }

    @Test func buildsQueriesWithRepeatedScopesAndEncoding() async {
        let client = WhyLabsClient(configuration: .init(endpoint: URL(string: "https://api.example.com/")!, orgId: "org-1", apiKey: "k"))
        let url = client.url(path: [], query: [("user_id", "a b"), ("scopes", ":user"), ("scopes", ":write_data")])
        #expect(url == "https://api.example.com/v0/organizations/org-1/api-key?user_id=a%20b&scopes=%3Auser&scopes=%3Awrite_data")
        #expect(client.url(path: ["x/y"], query: []) == "https://api.example.com/v0/organizations/org-1/api-key/x%2Fy")
        await client.shutdown()
    }
}
