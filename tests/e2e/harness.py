"""Shared helpers of the end-to-end tests: processes stopped by pid whatever happens, bounded waits,
HTTP on loopback, and checks that report what they saw."""
import atexit
import base64
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


class Failed(Exception):
    pass


class Checks:
    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = 0

    def ok(self, what, condition, detail=""):
        if condition:
            self.passed += 1
            print(f"ok   {what}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {what}" + (f": {detail}" if detail else ""), flush=True)
        return condition

    def must(self, what, condition, detail=""):
        """A check the rest of the test depends on: stop at once if it fails."""
        if not self.ok(what, condition, detail):
            raise Failed(what)

    def summary(self):
        print(f"{self.name}: {self.passed} passed, {self.failed} failed", flush=True)
        return self.failed == 0


class Processes:
    """Children started by the test; each is stopped by its pid on exit, on failure and on SIGTERM."""

    def __init__(self, logdir):
        self.logdir = logdir
        self.procs = {}
        os.makedirs(logdir, exist_ok=True)
        atexit.register(self.stop_all)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, self._on_signal)

    def _on_signal(self, signum, _frame):
        self.stop_all()
        sys.exit(128 + signum)

    def start(self, name, argv, env=None, cwd=None):
        log = open(os.path.join(self.logdir, f"{name}.log"), "ab")
        full_env = dict(os.environ)
        full_env.update(env or {})
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=full_env, cwd=cwd or ROOT)
        self.procs[name] = proc
        return proc

    def log_path(self, name):
        return os.path.join(self.logdir, f"{name}.log")

    def kill9(self, name):
        proc = self.procs.pop(name)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def stop(self, name, timeout=10):
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)

    def stop_all(self):
        for name in list(self.procs):
            self.stop(name)

    def alive(self, name):
        proc = self.procs.get(name)
        return proc is not None and proc.poll() is None

    def tail(self, name, lines=30):
        try:
            with open(self.log_path(name), "rb") as f:
                text = f.read().decode("utf-8", "replace").splitlines()
            return "\n".join(text[-lines:])
        except OSError:
            return ""


def wait_until(what, predicate, timeout, interval=0.1):
    """Polls predicate (bounded in time and count) until it returns a truthy value, which is returned."""
    deadline = time.monotonic() + timeout
    for _ in range(int(timeout / interval) + 2):
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            break
        time.sleep(interval)
    raise Failed(f"timed out after {timeout}s waiting for {what}")


def http(method, url, data=None, headers=None, timeout=15):
    """Returns (status, headers, body text); never raises for HTTP error statuses."""
    body = None
    headers = dict(headers or {})
    if isinstance(data, dict) and headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
        body = urllib.parse.urlencode(data).encode()
    elif data is not None and not isinstance(data, (bytes, str)):
        body = json.dumps(data).encode()
        headers.setdefault("Content-Type", "application/json")
    elif isinstance(data, str):
        body = data.encode()
    else:
        body = data
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def port_open(port):
    import socket
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def basic_auth(header):
    if not header or not header.startswith("Basic "):
        return None
    return base64.b64decode(header[6:]).decode()


class Api:
    """smsflow's REST API with an API key."""

    def __init__(self, base, key):
        self.base = base
        self.key = key

    def call(self, method, path, data=None):
        status, _, text = http(method, self.base + "/api/v1" + path, data,
                               {"Authorization": f"Bearer {self.key}"})
        try:
            return status, json.loads(text) if text else None
        except ValueError:
            return status, text

    def conversations(self, number):
        status, page = self.call("GET", "/conversations?" + urllib.parse.urlencode({"number": number}))
        assert status == 200, (status, page)
        return page["items"]

    def thread(self, conversation_id):
        status, thread = self.call("GET", f"/conversations/{conversation_id}")
        assert status == 200, (status, thread)
        return thread

    def message(self, conversation_id, message_id):
        for m in self.thread(conversation_id)["messages"]:
            if m["id"] == message_id:
                return m
        return None

    def send(self, to, body, frm=None):
        data = {"to": to, "body": body}
        if frm:
            data["from"] = frm
        return self.call("POST", "/messages/send", data)


def smsflow_cli(binary, env, *args):
    full_env = dict(os.environ)
    full_env.update(env)
    out = subprocess.run([binary, *args], env=full_env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise Failed(f"smsflow {' '.join(args)} failed: {out.stderr.strip()}")
    return out.stdout


def read_jsonl(path):
    records = []
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    records.append(json.loads(line))
    except FileNotFoundError:
        pass
    return records


def recorded_requests(path):
    """The recorder's log, one dict per create request (with its sid, done time and delivery)."""
    by_seq = {}
    for r in read_jsonl(path):
        if "seq" in r:
            by_seq.setdefault(r["seq"], {}).update(r)
    return [by_seq[k] for k in sorted(by_seq) if "arrived" in by_seq[k]]


def recorded_lookups(path):
    """The recorder's log of Messages list requests: {"lookup", "arrived", "query", "found"}."""
    return [r for r in read_jsonl(path) if "lookup" in r]


def form_value(request, key):
    values = request.get("form", {}).get(key)
    return values[0] if values else None
