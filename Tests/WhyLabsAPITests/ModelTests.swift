import Foundation
import Testing
@testable import WhyLabsAPI

@Suite struct ModelTests {
    @Test func decodesTheServiceShapeAndToleratesUnknownFields() throws {
        let json = """
            {"items":[{"keyId":"fh4dUNV3WQ","orgId":"org-123","userId":"user-1","creationTime":"2023-11-14T22:13:20.5",
            "expirationTime":"2024-01-01T00:00:00","scopes":[":user",":write_data"],"alias":"prod","revoked":false,
            "somethingNew":{"nested":[1,2]}},
            {"keyId":"HMiFAgQeNb","orgId":"org-123","userId":"user-2","creationTime":"2023-11-14T22:13:20"}]}
            """
        let list = try JSONDecoder().decode(ListUserApiKeys.self, from: Data(json.utf8))
        #expect(list.items.count == 2)
        #expect(list.items[0].scopes == [":user", ":write_data"])
        #expect(list.items[0].expirationTime?.date == Date(timeIntervalSince1970: 1_704_067_200))
        #expect(list.items[1].alias == nil)
        #expect(list.items[1].revoked == nil)
        #expect(list.items[1].isRevoked == false)
    }

    @Test func omitsAbsentFieldsWhenEncoding() throws {
        let key = UserApiKey(keyId: "fh4dUNV3WQ", orgId: "org-1", userId: "u", creationTime: APITime(text: "2020-01-01T00:00:00"))
        let text = String(decoding: try JSONEncoder().encode(key), as: UTF8.self)
        #expect(!text.contains("null"))
        #expect(!text.contains("alias"))
        #expect(!text.contains("expirationTime"))
        #expect(text.contains(#""creationTime":"2020-01-01T00:00:00""#))
    }

    @Test func emptyObjectIsAnAbsentKey() throws {
        let response = try JSONDecoder().decode(UserApiKeyResponse.self, from: Data("{}".utf8))
        #expect(response.key == nil)
    }

    @Test func descriptionNeverShowsTheSecret() {
        var key = UserApiKey(keyId: "fh4dUNV3WQ", orgId: "org-1", userId: "u", creationTime: APITime(text: "2020-01-01T00:00:00"))
        key.key = "fh4dUNV3WQ.SECRETSECRETSECRET:org-1"
        #expect(!"\(key)".contains("SECRET"))
        #expect(key.withoutSecret.key == nil)
    }

    @Test func splitsTheOrgSuffixFromAKey() {
        let raw = "fh4dUNV3WQ." + String(repeating: "a", count: 53) + ":org-123\n"
        let (key, org) = APIKeyFormat.split(raw)
        #expect(key.count == 64)
        #expect(org == "org-123")
        #expect(APIKeyFormat.isWellFormed(key))
        #expect(APIKeyFormat.keyId(of: key) == "fh4dUNV3WQ")
        #expect(!APIKeyFormat.isWellFormed("short.key"))
    }
}
