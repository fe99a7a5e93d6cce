"""Fetch-and-decode of a 10,000-key list: `keydash list --format json` against
the official Python client (whylabs-client 0.6.16) decoding the same list into
its ListUserApiKeys model. Both talk to the same `keydash serve` on loopback.

Usage: python Benchmarks/list_vs_python.py KEYDASH_BINARY ENDPOINT ORG ADMIN_KEY_FILE [RUNS]
"""
import statistics
import subprocess
import sys
import time

import whylabs_client
from whylabs_client.model.list_user_api_keys import ListUserApiKeys

binary, endpoint, org, key_file = sys.argv[1:5]
runs = int(sys.argv[5]) if len(sys.argv) > 5 else 5
key = open(key_file).read().strip()


def python_client():
    configuration = whylabs_client.Configuration(host=endpoint)
    configuration.api_key["ApiKeyAuth"] = key
    with whylabs_client.ApiClient(configuration) as api_client:
        result = api_client.call_api(
            "/v0/organizations/{org_id}/api-key", "GET", path_params={"org_id": org},
            header_params={"Accept": "application/json"}, response_type=(ListUserApiKeys,),
            auth_settings=["ApiKeyAuth"], _return_http_data_only=True, _check_type=True)
        return len(result.items)


def keydash():
    out = subprocess.run([binary, "list", "--endpoint", endpoint, "--api-key-file", key_file, "--format", "json"],
                         check=True, capture_output=True)
    return out.stdout.count(b'"keyId"')


def measure(fn):
    times, count = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        count = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), count


kd, kd_count = measure(keydash)
py, py_count = measure(python_client)
print(f"keys: keydash {kd_count}, python {py_count}")
print(f"keydash list --format json (whole process): median {kd * 1000:.0f} ms over {runs} runs")
print(f"whylabs-client ListUserApiKeys (in process):  median {py * 1000:.0f} ms over {runs} runs")
print(f"ratio: {py / kd:.1f}x")
