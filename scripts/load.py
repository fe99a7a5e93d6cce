#!/usr/bin/env python3
"""Load and crash run of `keydash serve` on 127.0.0.1.

  scripts/load.py KEYDASH_BINARY [--seconds 60] [--connections 32] [--keys 10000]

Phase 1: a server with KEYS keys in a SQLite file takes a mixed load (get,
list of one user, create, revoke of keys it created, and a few org-wide
lists) on CONNECTIONS keep-alive connections for SECONDS. Checked: no 5xx,
every acknowledged create is there afterwards (revoked ones as revoked),
RSS sampled every second. Phase 2: the same load, kill -9 halfway, the
server started again on the same file: every create acknowledged before the
kill must have survived. Prints one JSON summary; exits 1 if a check failed.
Only loopback is used, and every loop is bounded in time.
"""
import argparse, http.client, json, os, random, signal, statistics, subprocess, sys, tempfile, threading, time

ORG = "org-load"


def start_server(binary, db, keyfile, seed):
    args = [binary, "serve", "--port", "0", "--org", ORG, "--db", db, "--admin-key-file", keyfile]
    if seed:
        args += ["--seed-demo", str(seed)]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        line = proc.stdout.readline()
        if "listening on http://" in line:
            port = int(line.split("listening on http://")[1].split()[0].rsplit(":", 1)[1])
            threading.Thread(target=lambda: proc.stdout.read(), daemon=True).start()
            return proc, port
        if proc.poll() is not None:
            break
    proc.kill()
    raise SystemExit("keydash serve did not start")


def rss_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None


class Worker(threading.Thread):
    def __init__(self, port, key, stop_at, stats, acked, lock, seed):
        super().__init__(daemon=True)
        self.port, self.key, self.stop_at = port, key, stop_at
        self.stats, self.acked, self.lock = stats, acked, lock
        self.rng = random.Random(seed)
        self.mine = []  # (user, keyId) created and not yet revoked
        self.users = [f"user-load-{seed}-{i}" for i in range(3)]

    def request(self, conn, method, path):
        conn.request(method, path, headers={"X-API-Key": self.key, "Accept": "application/json"})
        response = conn.getresponse()
        body = response.read()
        return response.status, body

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        base = f"/v0/organizations/{ORG}/api-key"
        known = []
        while time.time() < self.stop_at.value:
            r = self.rng.random()
            if r < 0.02:
                op, method, path = "list org", "GET", base
            elif r < 0.15:
                op, method, path = "list user", "GET", f"{base}?user_id={self.rng.choice(self.users)}"
            elif r < 0.60 and known:
                op, method, path = "get", "GET", f"{base}/{self.rng.choice(known)}"
            elif r < 0.85 or not self.mine:
                user = self.rng.choice(self.users)
                op, method, path = "create", "POST", f"{base}?user_id={user}&scopes=:user&alias=load"
            else:
                user, kid = self.mine.pop(self.rng.randrange(len(self.mine)))
                op, method, path = "revoke", "DELETE", f"{base}?user_id={user}&key_id={kid}"
            started = time.perf_counter()
            try:
                status, body = self.request(conn, method, path)
            except (OSError, http.client.HTTPException) as error:
                with self.lock:
                    self.stats.setdefault("transport_errors", []).append(f"{op}: {type(error).__name__}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if self.stop_at.crashed:
                    return
                continue
            elapsed = (time.perf_counter() - started) * 1000
            with self.lock:
                self.stats.setdefault(op, []).append(elapsed)
                self.stats.setdefault("status", {}).setdefault(str(status), 0)
                self.stats["status"][str(status)] += 1
            if status == 200 and op == "create":
                created = json.loads(body)
                kid = created["keyId"]
                self.mine.append((created["userId"], kid))
                known.append(kid)
                with self.lock:
                    self.acked[kid] = created["userId"]
            elif status == 200 and op == "revoke":
                with self.lock:
                    self.stats.setdefault("revoked", set()).add(json.loads(body)["keyId"])


class StopAt:
    def __init__(self, value):
        self.value, self.crashed = value, False


def run_load(port, key, seconds, connections, seed):
    stats, acked, lock = {}, {}, threading.Lock()
    stop = StopAt(time.time() + seconds)
    workers = [Worker(port, key, stop, stats, acked, lock, seed * 1000 + i) for i in range(connections)]
    for w in workers:
        w.start()
    return workers, stats, acked, stop, lock


def percentile(values, p):
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(len(values) * p))], 2)


def verify(port, key, acked, revoked):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    missing, wrong = [], []
    users = sorted(set(acked.values()))
    found = {}
    for user in users:
        conn.request("GET", f"/v0/organizations/{ORG}/api-key?user_id={user}", headers={"X-API-Key": key})
        items = json.loads(conn.getresponse().read())["items"]
        for item in items:
            found[item["keyId"]] = item.get("revoked", False)
    for kid in acked:
        if kid not in found:
            missing.append(kid)
        elif kid in revoked and not found[kid]:
            wrong.append(kid)
    return missing, wrong


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--keys", type=int, default=10000)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="keydash-load-")
    db, keyfile = os.path.join(work, "keys.sqlite"), os.path.join(work, "admin.key")
    failures = []

    # Phase 1: sustained mixed load.
    proc, port = start_server(args.binary, db, keyfile, args.keys)
    key = open(keyfile).read().strip()
    rss = [rss_mb(proc.pid)]
    workers, stats, acked, stop, _ = run_load(port, key, args.seconds, args.connections, 1)
    while any(w.is_alive() for w in workers):
        time.sleep(1)
        rss.append(rss_mb(proc.pid))
        if time.time() > stop.value + 60:
            failures.append("workers did not finish")
            break
    revoked = stats.get("revoked", set())
    missing, wrong = verify(port, key, acked, revoked)
    five = {s: n for s, n in stats.get("status", {}).items() if s.startswith("5")}
    if five:
        failures.append(f"5xx answers: {five}")
    if missing:
        failures.append(f"{len(missing)} acknowledged creates missing")
    if wrong:
        failures.append(f"{len(wrong)} acknowledged revokes not revoked")
    ops = ["get", "list user", "list org", "create", "revoke"]
    summary = {
        "phase1": {
            "seconds": args.seconds, "connections": args.connections, "seeded_keys": args.keys,
            "requests": sum(len(stats.get(op, [])) for op in ops),
            "status": stats.get("status", {}),
            "transport_errors": len(stats.get("transport_errors", [])),
            "acknowledged_creates": len(acked), "missing_creates": len(missing),
            "latency_ms": {op: {"n": len(stats.get(op, [])), "p50": percentile(stats.get(op, []), 0.5),
                                "p99": percentile(stats.get(op, []), 0.99)} for op in ops},
            "rss_mb": {"start": round(rss[0] or 0, 1), "max": round(max(r for r in rss if r), 1),
                       "end": round(rss[-1] or 0, 1)},
        }
    }
    proc.terminate()
    proc.wait(timeout=30)

    # Phase 2: kill -9 in the middle of the same load.
    proc, port = start_server(args.binary, db, keyfile, 0)
    half = max(5, args.seconds / 4)
    workers, stats2, acked2, stop2, lock2 = run_load(port, key, half * 2, args.connections, 2)
    time.sleep(half)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    # Every create whose answer arrived before the kill was acknowledged.
    with lock2:
        acked_before_kill = dict(acked2)
    stop2.crashed = True
    stop2.value = 0
    for w in workers:
        w.join(timeout=40)
    proc, port = start_server(args.binary, db, keyfile, 0)
    lost, _ = verify(port, key, acked_before_kill, set())
    if lost:
        failures.append(f"{len(lost)} creates acknowledged before kill -9 were lost")
    summary["phase2_kill9"] = {"acknowledged_before_kill": len(acked_before_kill), "lost": len(lost)}
    proc.terminate()
    proc.wait(timeout=30)
    summary["failures"] = failures
    print(json.dumps(summary, indent=2))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
