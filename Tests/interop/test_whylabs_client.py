"""The official Python client (whylabs-client 0.6.16), unchanged, against `keydash serve`.

Create and revoke go through its ApiKeyApi; get and list go through its
ApiClient with its own UserApiKeyResponse and ListUserApiKeys models (0.6.16's
ApiKeyApi has no org-level get or list).
"""
import os
import time

import pytest
import whylabs_client
from whylabs_client.api import api_key_api
from whylabs_client.model.list_user_api_keys import ListUserApiKeys
from whylabs_client.model.user_api_key_response import UserApiKeyResponse

ENDPOINT = os.environ["KEYDASH_ENDPOINT"]
ORG = os.environ["KEYDASH_ORG"]
with open(os.environ["KEYDASH_ADMIN_KEY_FILE"]) as f:
    ADMIN_KEY = f.read().strip()


def client(key=ADMIN_KEY):
    configuration = whylabs_client.Configuration(host=ENDPOINT)
    configuration.api_key["ApiKeyAuth"] = key
    return whylabs_client.ApiClient(configuration)


def get_key(api_client, key_id):
    return api_client.call_api(
        "/v0/organizations/{org_id}/api-key/{key_id}", "GET",
        path_params={"org_id": ORG, "key_id": key_id},
        header_params={"Accept": "application/json"},
        response_type=(UserApiKeyResponse,), auth_settings=["ApiKeyAuth"],
        _return_http_data_only=True, _check_type=True)


def list_keys(api_client, user_id=None):
    query = [("user_id", user_id)] if user_id else []
    return api_client.call_api(
        "/v0/organizations/{org_id}/api-key", "GET",
        path_params={"org_id": ORG}, query_params=query,
        header_params={"Accept": "application/json"},
        response_type=(ListUserApiKeys,), auth_settings=["ApiKeyAuth"],
        _return_http_data_only=True, _check_type=True)


def test_create_get_list_revoke():
    with client() as api_client:
        api = api_key_api.ApiKeyApi(api_client)
        expires = int((time.time() + 7 * 86400) * 1000)
        created = api.create_api_key(ORG, "user-interop", expiration_time=expires,
                                     scopes=[":user", ":write_data"], alias="interop")
        assert created.org_id == ORG
        assert created.user_id == "user-interop"
        assert created.alias == "interop"
        assert sorted(created.scopes) == [":user", ":write_data"]
        assert len(created.key_id) == 10
        assert created.key.startswith(created.key_id + ".")
        assert created.key.endswith(":" + ORG)
        assert len(created.key) == 64 + len(ORG) + 1
        assert "Z" not in created.creation_time

        fetched = get_key(api_client, created.key_id)
        assert fetched.key.key_id == created.key_id
        assert fetched.key.alias == "interop"
        assert "key" not in fetched.key.to_dict()

        listed = list_keys(api_client)
        assert created.key_id in [k.key_id for k in listed.items]

        revoked = api.revoke_api_key(ORG, "user-interop", created.key_id)
        assert revoked.revoked is True
        assert created.key_id not in [k.key_id for k in list_keys(api_client).items]
        per_user = list_keys(api_client, "user-interop")
        assert [k.revoked for k in per_user.items if k.key_id == created.key_id] == [True]
        # Idempotent.
        assert api.revoke_api_key(ORG, "user-interop", created.key_id).revoked is True


def test_new_key_works_with_its_org_suffix():
    with client() as api_client:
        created = api_key_api.ApiKeyApi(api_client).create_api_key(ORG, "user-suffix")
    with client(created.key) as user_client:
        items = list_keys(user_client, "user-suffix").items
        assert [k.key_id for k in items] == [created.key_id]
        assert items[0].last_used_time is not None


def test_unknown_key_is_an_empty_response():
    with client() as api_client:
        response = get_key(api_client, "NOPENOPE00")
        assert "key" not in response.to_dict()


def test_errors_are_api_exceptions_with_the_service_body():
    with client() as api_client:
        api = api_key_api.ApiKeyApi(api_client)
        with pytest.raises(whylabs_client.ApiException) as bad_scope:
            api.create_api_key(ORG, "user-x", scopes=[":nope"])
        assert bad_scope.value.status == 400
        assert "Invalid scope provided: :nope" in bad_scope.value.body
        assert bad_scope.value.headers["X-Request-Id"]
        with pytest.raises(whylabs_client.ApiException) as missing:
            api.revoke_api_key(ORG, "user-x", "NOPENOPE00")
        assert missing.value.status == 404
    with client("ABCDEFGHIJ." + "z" * 53) as wrong:
        with pytest.raises(whylabs_client.ApiException) as denied:
            list_keys(wrong)
        assert denied.value.status == 403


def test_seeded_list_decodes_with_the_official_models():
    with client() as api_client:
        items = list_keys(api_client).items
        assert len(items) >= 10
        for item in items:
            assert item.creation_time and "Z" not in item.creation_time
