#!/usr/bin/env python3
"""The gateway resends a keyed write to the other instance, and never an unkeyed one.

    gateway_resend.py SOURCE_DIR

Starts nginx with deploy/nginx/daiban.conf.in, every service's upstream being two tiny
instances: the first reads a whole request and then drops the connection without a word (a
service that died with the request in hand), the second (a backup, so the order is fixed)
answers 200. An unkeyed POST must come back as the gateway's 502 error JSON, seen by the first
instance only; the same POST with an Idempotency-Key must be answered by the second, with the
client's own request target. Exits non-zero on any difference.
"""

import http.client
import json
import os
import pwd
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time


class Instance:
    """One upstream instance on a loopback port: records each request's target; answers or
    drops."""

    def __init__(self, name, answer):
        self.name = name
        self.answer = answer
        self.seen = []
        self.lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            connection, _ = self.sock.accept()
            threading.Thread(target=self.handle, args=(connection,), daemon=True).start()

    def handle(self, connection):
        with connection:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = connection.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            while len(body) < length:
                chunk = connection.recv(65536)
                if not chunk:
                    break
                body += chunk
            method, target = lines[0].split(" ")[:2]
            with self.lock:
                self.seen.append((method, target))
            if not self.answer:
                # The whole request arrived; the instance dies before answering.
                connection.shutdown(socket.SHUT_RDWR)
                return
            payload = json.dumps({"served_by": self.name}).encode()
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                               b"Connection: close\r\nContent-Length: " +
                               str(len(payload)).encode() + b"\r\n\r\n" + payload)

    def count(self):
        with self.lock:
            return len(self.seen)


def free_port():
    """A port below the ephemeral range that nothing listens on now."""
    for _ in range(200):
        port = random.randint(20000, 30000)
        probe = socket.socket()
        try:
            probe.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            probe.close()
    raise RuntimeError("no free port")


def main():
    source = sys.argv[1]
    dropper = Instance("a", answer=False)
    answerer = Instance("b", answer=True)
    work = tempfile.mkdtemp(prefix="gateway-resend-")
    os.makedirs(os.path.join(work, "tmp"))
    port = free_port()
    servers = (f"server 127.0.0.1:{dropper.port} max_fails=0; "
               f"server 127.0.0.1:{answerer.port} backup;")
    values = {
        "@STATE_DIR@": work, "@GATEWAY_DIR@": work, "@GATEWAY_NAME@": "gateway",
        "@LOG_DIR@": work, "@GATEWAY_BIND@": "127.0.0.1", "@GATEWAY_PORT@": str(port),
        "@INTAKE_SERVERS@": servers, "@DISPATCH_SERVERS@": servers,
        "@TRACKING_SERVERS@": servers, "@MOBILE_SERVERS@": servers,
        "@CREATE_RATE@": "6000", "@CREATE_BURST@": "1000", "@CONN_PER_ADDRESS@": "100",
        "@RETRY_AFTER@": "1", "@WORKER_USER@": pwd.getpwuid(os.getuid()).pw_name,
    }
    with open(os.path.join(source, "deploy", "nginx", "daiban.conf.in")) as template:
        conf = template.read()
    for name, value in values.items():
        conf = conf.replace(name, value)
    conf_path = os.path.join(work, "nginx.conf")
    with open(conf_path, "w") as out:
        out.write(conf)
    failures = []
    try:
        subprocess.run(["nginx", "-p", work, "-c", conf_path], check=True)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

        def post(target, key=None):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
            headers = {"Content-Type": "application/json"}
            if key:
                headers["Idempotency-Key"] = key
            connection.request("POST", target, body=b'{"reason":"x"}', headers=headers)
            response = connection.getresponse()
            body = response.read()
            connection.close()
            try:
                return response.status, json.loads(body)
            except ValueError:
                return response.status, body

        def expect(what, got, wanted):
            if got != wanted:
                failures.append(f"{what}: got {got!r}, wanted {wanted!r}")

        routes = ["/api/v1/cases/DB1/accept", "/api/v1/dispatch/cases/DB1/assign",
                  "/api/v1/couriers/7", "/mobile/v1/cases/DB1/progress", "/api/v1/cases"]
        for target in routes:
            a, b = dropper.count(), answerer.count()
            status, body = post(target)
            expect(f"unkeyed POST {target}: status", status, 502)
            expect(f"unkeyed POST {target}: error code",
                   body.get("error", {}).get("code") if isinstance(body, dict) else body,
                   "unavailable")
            expect(f"unkeyed POST {target}: reached the first instance", dropper.count() - a, 1)
            expect(f"unkeyed POST {target}: resent to the second", answerer.count() - b, 0)

            a, b = dropper.count(), answerer.count()
            status, body = post(target + "?x=1&y=%E4%B8%AD", key="k-" + target)
            expect(f"keyed POST {target}: status", status, 200)
            expect(f"keyed POST {target}: answered by", body, {"served_by": "b"})
            expect(f"keyed POST {target}: reached the first instance", dropper.count() - a, 1)
            expect(f"keyed POST {target}: resent to the second", answerer.count() - b, 1)
            if answerer.seen:
                expect(f"keyed POST {target}: the target the service got", answerer.seen[-1],
                       ("POST", target + "?x=1&y=%E4%B8%AD"))

        # A keyed write to a path no service owns is the gateway's 404, as unkeyed.
        status, body = post("/api/v1/nowhere", key="k-nowhere")
        expect("keyed POST to no service", (status, body.get("error", {}).get("code")),
               (404, "not_found"))
        if failures:
            with open(os.path.join(work, "gateway-error.log")) as log:
                print("the gateway's error log:\n" + log.read()[-4000:])
    finally:
        pid_file = os.path.join(work, "nginx.pid")
        if os.path.exists(pid_file):
            with open(pid_file) as f:
                pid = int(f.read().strip())
            os.kill(pid, 15)
            for _ in range(50):
                try:
                    os.kill(pid, 0)
                except OSError:
                    break
                time.sleep(0.1)
        shutil.rmtree(work, ignore_errors=True)
    for failure in failures:
        print(failure)
    print("gateway resend: %d checks failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
