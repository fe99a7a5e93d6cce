"""Decode-only: the official Python client (whylabs-client 0.6.16) turning a
saved list response into its ListUserApiKeys model, as its ApiClient does.

Usage: python Benchmarks/python_decode.py LIST.json [RUNS]
"""
import statistics
import sys
import time

import whylabs_client
from whylabs_client.model.list_user_api_keys import ListUserApiKeys

path = sys.argv[1]
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
data = open(path, "rb").read()


class Response:
    """The shape ApiClient.deserialize reads: the body and its headers."""
    def __init__(self, body):
        self.data = body

    def getheader(self, name, default=None):
        return "application/json" if name.lower() == "content-type" else default


client = whylabs_client.ApiClient(whylabs_client.Configuration(host="http://127.0.0.1"))
times = []
for _ in range(runs):
    start = time.perf_counter()
    result = client.deserialize(Response(data), (ListUserApiKeys,), True)
    times.append((time.perf_counter() - start) * 1000)
print(f"python decode {len(result.items)} keys: median {statistics.median(times):.1f} ms (min {min(times):.1f}) over {runs} runs")
