"""Hostile and bad input against a real engine: the access token, CORS and
the WebSocket Origin check, limits on simulations (in all and per client
address), on request headers and on the WebSocket message rate, and
timeouts of slow, idle and silent connections.

Clients: http.client and raw sockets (Python's standard library), and
websocket-client (Debian's python3-websocket)."""
import base64
import http.client
import json
import os
import socket
import subprocess
import sys
import time
import unittest

import websocket

sys.path.insert(0, os.path.dirname(__file__))
from harness import Stack  # noqa: E402

TOKEN = "s3cret-token"
OK_ORIGIN = "http://ok.example"


def call(port, method, path, body=None, headers=None, source="127.0.0.1"):
    """One request from the given source address; returns (status, headers,
    decoded JSON or None)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15,
                                      source_address=(source, 0))
    try:
        data = json.dumps(body).encode() if body is not None else None
        hdrs = dict(headers or {})
        if data is not None:
            hdrs["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=hdrs)
        r = conn.getresponse()
        text = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, \
            (json.loads(text) if text else None)
    finally:
        conn.close()


class ClassScope:
    """What Stack needs of a test case, for a stack shared by a class: its
    processes stop when the class is done, while each test's own cleanups
    still run after that test."""

    def __init__(self, cls):
        self.addCleanup = cls.addClassCleanup


def bearer(token=TOKEN):
    return {"Authorization": f"Bearer {token}"}


def ws_handshake(port, path="/ws", origin=None):
    """A WebSocket opened by hand on a raw socket; returns the socket and
    the server's status line."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Upgrade: websocket",
             "Connection: Upgrade", f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
    if origin:
        lines.append(f"Origin: {origin}")
    s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(4096)
        if not chunk:
            break
        head += chunk
    return s, head.split(b"\r\n")[0].decode(errors="replace")


def closed_within(s, seconds):
    """Seconds until the server closes s (reading whatever it sends, pings
    included, and never answering), or None if it stays open."""
    start = time.monotonic()
    s.settimeout(0.5)
    while time.monotonic() - start < seconds:
        try:
            if not s.recv(4096):
                return time.monotonic() - start
        except socket.timeout:
            continue
        except ConnectionResetError:
            return time.monotonic() - start
    return None


class TokenCorsLimitsTest(unittest.TestCase):
    """An engine with a token, one CORS origin, small limits and short
    timeouts."""

    @classmethod
    def setUpClass(cls):
        cls.stack = Stack(ClassScope(cls), workers=1, extra=(
            "--token", TOKEN, "--cors-origins", OK_ORIGIN, "--max-sims", "3",
            "--max-sims-per-client", "2", "--ws-rate", "5", "--ws-burst", "5",
            "--http-timeout", "2", "--ws-idle", "2"))
        cls.port = cls.stack.engine.port

    @classmethod
    def tearDownClass(cls):
        # After all that abuse it still stops cleanly (under ASan: no leak).
        assert cls.stack.engine.stop() == 0, "pde-engine did not exit cleanly"
    def start(self, source="127.0.0.1", **spec):
        return call(self.port, "POST", "/api/models/spring-damper/start", spec or {},
                    bearer(), source)

    def stop_all(self):
        _, _, sims = call(self.port, "GET", "/api/sims/all")
        for s in sims:
            if s["status"] in ("queued", "running"):
                call(self.port, "DELETE", f"/api/sims/{s['sim_id']}", headers=bearer())

    # ---- token ----

    def test_changes_need_the_token(self):
        self.addCleanup(self.stop_all)
        for method, path, body in [("POST", "/api/models/wood-berry/start", {}),
                                   ("GET", "/api/models/wood-berry/start", None),
                                   ("GET", "/api/models/wood-berry/start/", None)]:
            for headers in [{}, bearer("wrong"), bearer(TOKEN + "x"), {"Authorization": TOKEN}]:
                status, hdrs, answer = call(self.port, method, path, body, headers)
                self.assertEqual(status, 401, (method, path, headers, answer))
                self.assertIn("Authorization: Bearer", answer["error"])
                self.assertEqual(hdrs.get("www-authenticate"), "Bearer")
        status, _, answer = self.start()
        self.assertEqual(status, 200, answer)
        sim = answer["sim_id"]
        status, _, answer = call(self.port, "POST", f"/api/sims/{sim}/F", {"value": 1})
        self.assertEqual(status, 401, answer)
        status, _, answer = call(self.port, "DELETE", f"/api/sims/{sim}")
        self.assertEqual(status, 401, answer)
        self.assertIn(call(self.port, "GET", f"/api/sims/{sim}")[2]["status"],
                      ("queued", "running"))
        status, _, answer = call(self.port, "DELETE", f"/api/sims/{sim}", headers=bearer())
        self.assertEqual((status, answer["status"]), (200, "stopped"))

    def test_command_line_tool_sends_the_token(self):
        pde = os.path.join(os.environ.get("PDE_BIN", ""), "pde")
        base = f"http://127.0.0.1:{self.port}"
        out = subprocess.run([pde, "--url", base, "start", "spring-damper"],
                             capture_output=True, text=True, timeout=30,
                             env={k: v for k, v in os.environ.items() if k != "PDE_TOKEN"})
        self.assertEqual(out.returncode, 1, out)
        self.assertIn("401", out.stderr)
        out = subprocess.run([pde, "--url", base, "start", "spring-damper"],
                             capture_output=True, text=True, timeout=30,
                             env=dict(os.environ, PDE_TOKEN=TOKEN))
        self.assertEqual(out.returncode, 0, out)
        sim = json.loads(out.stdout)["sim_id"]
        self.assertEqual(call(self.port, "DELETE", f"/api/sims/{sim}", headers=bearer())[0], 200)

    def test_reads_stay_open(self):
        for path in ["/api/models/", "/api/sims/all", "/api/status"]:
            status, _, _ = call(self.port, "GET", path)
            self.assertEqual(status, 200, path)

    # ---- CORS and Origin ----

    def test_listed_origin_gets_cors_headers_and_preflight(self):
        status, hdrs, _ = call(self.port, "GET", "/api/models/", headers={"Origin": OK_ORIGIN})
        self.assertEqual(status, 200)
        self.assertEqual(hdrs.get("access-control-allow-origin"), OK_ORIGIN)
        status, hdrs, _ = call(self.port, "OPTIONS", "/api/models/wood-berry/start",
                               headers={"Origin": OK_ORIGIN,
                                        "Access-Control-Request-Method": "POST",
                                        "Access-Control-Request-Headers": "authorization"})
        self.assertEqual(status, 204)
        self.assertEqual(hdrs.get("access-control-allow-origin"), OK_ORIGIN)
        self.assertIn("POST", hdrs.get("access-control-allow-methods", ""))
        self.assertIn("Authorization", hdrs.get("access-control-allow-headers", ""))

    def test_foreign_origin_is_refused(self):
        for method, path in [("GET", "/api/models/"), ("POST", "/api/models/wood-berry/start"),
                             ("OPTIONS", "/api/models/")]:
            status, hdrs, answer = call(self.port, method, path, {} if method == "POST" else None,
                                        {"Origin": "http://evil.example", **bearer()})
            self.assertEqual(status, 403, (method, answer))
            self.assertIn("--cors-origins", answer["error"])
            self.assertNotIn("access-control-allow-origin", hdrs)

    def test_same_origin_page_may_write(self):
        self.addCleanup(self.stop_all)
        status, hdrs, answer = call(self.port, "POST", "/api/models/spring-damper/start", {},
                                    {"Origin": f"http://127.0.0.1:{self.port}", **bearer()})
        self.assertEqual(status, 200, answer)
        self.assertNotIn("access-control-allow-origin", hdrs)

    def test_websocket_origin_check(self):
        for origin, allowed in [(None, True), (f"http://127.0.0.1:{self.port}", True),
                                (OK_ORIGIN, True), ("http://evil.example", False),
                                ("null", False)]:
            s, line = ws_handshake(self.port, origin=origin)
            s.close()
            self.assertIn(" 101 " if allowed else " 403 ", line + " ", origin)

    # ---- limits ----

    def test_sims_in_all_and_per_client(self):
        self.addCleanup(self.stop_all)
        self.stop_all()
        a1, _ = (self.start()[2]["sim_id"] for _ in range(2))
        status, _, answer = self.start()
        self.assertEqual(status, 429, answer)
        self.assertIn("--max-sims-per-client", answer["error"])
        self.assertEqual(answer["detail"], {"max_sims_per_client": 2})
        # Another client address may still start one: then all 3 are in use.
        status, _, answer = self.start(source="127.0.0.2")
        self.assertEqual(status, 200, answer)
        status, _, answer = self.start(source="127.0.0.3")
        self.assertEqual(status, 429, answer)
        self.assertIn("--max-sims", answer["error"])
        self.assertEqual(answer["detail"], {"max_sims": 3})
        # Ended sims do not count.
        self.assertEqual(call(self.port, "DELETE", f"/api/sims/{a1}", headers=bearer())[0], 200)
        status, _, answer = self.start()
        self.assertEqual(status, 200, answer)
        # Bad input is still told as such, not as a limit.
        status, _, answer = self.start(time_scale=-1)
        self.assertEqual(status, 400, answer)

    def test_header_size(self):
        status, _, _ = call(self.port, "GET", "/api/models/", headers={"X-Pad": "a" * 4000})
        self.assertEqual(status, 200)
        # Over the limit lws closes the connection; the engine lives on.
        for size in (9000, 200000):
            with socket.create_connection(("127.0.0.1", self.port), timeout=10) as s:
                try:
                    s.sendall(b"GET /api/models/ HTTP/1.1\r\nHost: x\r\nX-Pad: "
                              + b"a" * size + b"\r\n\r\n")
                    reply = s.recv(100)
                except (ConnectionResetError, BrokenPipeError):
                    reply = b""
                self.assertEqual(reply, b"")
        self.assertEqual(call(self.port, "GET", "/api/status")[0], 200)

    def test_websocket_message_rate(self):
        ws = websocket.create_connection(f"ws://127.0.0.1:{self.port}/ws", timeout=10)
        self.addCleanup(ws.close)
        for _ in range(12):
            ws.send(json.dumps({"hello": 1}))
        errors = [json.loads(ws.recv())["error"] for _ in range(12)]
        self.assertTrue(any("too many messages" in e for e in errors), errors)
        # Within the rate again, it is served.
        time.sleep(1.2)
        ws.send(json.dumps({"subscribe": "nosuchsim"}))
        self.assertIn("no simulation", json.loads(ws.recv())["error"])
        # Persistent abuse closes the connection (policy violation).
        closed = None
        try:
            for _ in range(500):
                ws.send(json.dumps({"hello": 1}))
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                ws.recv()
        except (websocket.WebSocketConnectionClosedException, ConnectionResetError,
                BrokenPipeError):
            closed = True
        self.assertTrue(closed or not ws.connected)
        self.assertEqual(call(self.port, "GET", "/api/status")[0], 200)

    # ---- timeouts ----

    def test_slow_and_idle_http_connections_time_out(self):
        for first in [b"", b"GET /api/models/ HTTP/1.1\r\nHost: x\r\n",
                      b"POST /api/models/spring-damper/start HTTP/1.1\r\nHost: x\r\n"
                      b"Authorization: Bearer " + TOKEN.encode() + b"\r\n"
                      b"Content-Length: 100\r\n\r\n{\"dura"]:
            with socket.create_connection(("127.0.0.1", self.port), timeout=10) as s:
                s.sendall(first)
                took = closed_within(s, 8)
                self.assertIsNotNone(took, first)
                self.assertLess(took, 5, first)
        # A kept-alive connection idle after its answer.
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as s:
            s.sendall(b"GET /api/status HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertTrue(s.recv(100).startswith(b"HTTP/1.1 200"))
            took = closed_within(s, 8)
            self.assertIsNotNone(took)

    def test_silent_websocket_is_pinged_then_closed(self):
        s, line = ws_handshake(self.port)
        self.assertIn(" 101 ", line + " ")
        took = closed_within(s, 12)   # never answers the pings
        s.close()
        self.assertIsNotNone(took)
        self.assertLess(took, 10)

    def test_answering_websocket_stays_open(self):
        ws = websocket.create_connection(f"ws://127.0.0.1:{self.port}/ws", timeout=1)
        self.addCleanup(ws.close)
        end = time.monotonic() + 6      # three times --ws-idle
        while time.monotonic() < end:
            try:
                ws.recv()               # answers pings as they come
            except websocket.WebSocketTimeoutException:
                pass
        ws.settimeout(10)
        ws.send(json.dumps({"subscribe": "nosuchsim"}))
        self.assertIn("no simulation", json.loads(ws.recv())["error"])


class TokenReadsTest(unittest.TestCase):
    """--token-reads 1: reads and the WebSocket need the token too."""

    @classmethod
    def setUpClass(cls):
        cls.stack = Stack(ClassScope(cls), workers=0,
                          extra=("--token", TOKEN, "--token-reads", "1"), token=TOKEN)
        cls.port = cls.stack.engine.port
    def test_reads_need_the_token(self):
        status, _, answer = call(self.port, "GET", "/api/models/")
        self.assertEqual(status, 401, answer)
        status, _, answer = call(self.port, "GET", "/api/models/", headers=bearer())
        self.assertEqual(status, 200)

    def test_websocket_needs_the_token(self):
        for query in ["", "?token=wrong"]:
            with self.assertRaises(websocket.WebSocketBadStatusException) as cm:
                websocket.create_connection(f"ws://127.0.0.1:{self.port}/ws{query}", timeout=10)
            self.assertEqual(cm.exception.status_code, 401)
        base = f"ws://127.0.0.1:{self.port}/ws"
        for url, headers in [(f"{base}?token={TOKEN}", []),
                             (base, [f"Authorization: Bearer {TOKEN}"])]:
            ws = websocket.create_connection(url, timeout=10, header=headers)
            ws.send(json.dumps({"subscribe": "nosuchsim"}))
            self.assertIn("no simulation", json.loads(ws.recv())["error"])
            ws.close()


class DefaultsTest(unittest.TestCase):
    """No settings: no token asked, no CORS headers, foreign pages refused,
    32 subscriptions per WebSocket."""

    @classmethod
    def setUpClass(cls):
        cls.stack = Stack(ClassScope(cls), workers=1)
        cls.port = cls.stack.engine.port

    @classmethod
    def tearDownClass(cls):
        assert cls.stack.engine.stop() == 0, "pde-engine did not exit cleanly"
    def test_open_without_token_and_no_cors(self):
        status, _, answer = call(self.port, "GET", "/api/models/spring-damper/start")
        self.assertEqual(status, 200, answer)
        status, hdrs, _ = call(self.port, "GET", "/api/models/", headers={"Origin": OK_ORIGIN})
        self.assertEqual(status, 403)
        self.assertFalse(any(h.startswith("access-control-") for h in hdrs), hdrs)
        status, hdrs, _ = call(self.port, "OPTIONS", "/api/models/",
                               headers={"Origin": OK_ORIGIN})
        self.assertEqual(status, 403)
        self.assertFalse(any(h.startswith("access-control-") for h in hdrs), hdrs)
        call(self.port, "DELETE", f"/api/sims/{answer['sim_id']}")

    def test_too_long_message_is_refused_whole(self):
        # lws hands a long message over in pieces; the tail of one that is
        # too long must not be taken for a message of its own.
        ws = websocket.create_connection(f"ws://127.0.0.1:{self.port}/ws", timeout=10)
        self.addCleanup(ws.close)
        ws.send(" " * 12000 + json.dumps({"subscribe": "smuggled"}))
        ws.send(json.dumps({"subscribe": "next"}))
        first, second = json.loads(ws.recv()), json.loads(ws.recv())
        self.assertIn("message too long", first["error"])
        self.assertEqual(second["error"], "no simulation 'next'")

    def test_subscriptions_per_connection(self):
        sims = []
        for _ in range(33):
            status, _, answer = call(self.port, "POST", "/api/models/spring-damper/start",
                                     {"duration": 5})
            self.assertEqual(status, 200, answer)
            sims.append(answer["sim_id"])
        ws = websocket.create_connection(f"ws://127.0.0.1:{self.port}/ws", timeout=10)
        self.addCleanup(ws.close)
        got = {}
        for sim in sims:
            ws.send(json.dumps({"subscribe": sim}))
            while True:
                msg = json.loads(ws.recv())
                if msg["type"] in ("subscribed", "error"):
                    got[sim] = msg
                    break
                time.sleep(0.02)     # stay under the message rate
        self.assertTrue(all(got[s]["type"] == "subscribed" for s in sims[:32]))
        self.assertEqual(got[sims[32]]["type"], "error")
        self.assertIn("at most 32 subscriptions", got[sims[32]]["error"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
