"""Live values over the engine's WebSocket (/ws): subscribe, samples with
every tag, inputs written by another client, status changes, coalescing of
fast sims, and refusal of bad messages. Uses websocket-client (Debian's
python3-websocket) as an independent client."""
import json
import os
import sys
import time
import unittest

import websocket

sys.path.insert(0, os.path.dirname(__file__))
from harness import SharedStackTest  # noqa: E402


class WebSocketTest(SharedStackTest, unittest.TestCase):
    def connect(self):
        ws = websocket.create_connection(f"ws://127.0.0.1:{self.e.port}/ws", timeout=10)
        self.addClassCleanup(ws.close)
        return ws

    def receive(self, ws, kind, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = json.loads(ws.recv())
            if msg["type"] == kind:
                return msg
        raise AssertionError(f"no {kind} message in {timeout} s")

    def test_subscribe_then_samples_inputs_and_status(self):
        sim = self.e.start("wood-berry", time_scale=5)
        self.e.wait_status(sim, "running")
        ws = self.connect()
        ws.send(json.dumps({"subscribe": sim}))
        sub = self.receive(ws, "subscribed")
        self.assertEqual(sub["sim"]["sim_id"], sim)
        self.assertEqual({t["tag"] for t in sub["tags"]}, {"R", "S", "F", "xD", "xB"})
        s1 = self.receive(ws, "sample")
        s2 = self.receive(ws, "sample")
        self.assertEqual(s1["sim_id"], sim)
        self.assertEqual(set(s1["values"]), {"R", "S", "F", "xD", "xB"})
        self.assertGreater(s2["t"], s1["t"])
        # A write by another client (here: the REST API) reaches subscribers.
        status, _ = self.e.post(f"/api/sims/{sim}/S", {"value": 1.8})
        self.assertEqual(status, 200)
        msg = self.receive(ws, "input")
        self.assertEqual((msg["tag"], msg["value"]), ("S", 1.8))
        self.e.delete(f"/api/sims/{sim}")
        msg = self.receive(ws, "status")
        self.assertEqual(msg["sim"]["status"], "stopped")

    def test_fast_sims_are_coalesced(self):
        sim = self.e.start("spring-damper", time_scale=1000, duration=3000)
        self.e.wait_status(sim, "running")
        ws = self.connect()
        ws.send(json.dumps({"subscribe": sim}))
        self.receive(ws, "subscribed")
        start = time.monotonic()
        n = 0
        while time.monotonic() - start < 2.0:
            if json.loads(ws.recv())["type"] == "sample":
                n += 1
        # 1000 samples a second are produced; a page gets ~10 a second.
        self.assertGreaterEqual(n, 10)
        self.assertLessEqual(n, 25)

    def test_bad_messages_get_errors_and_the_connection_lives(self):
        ws = self.connect()
        for bad in ["not json", json.dumps({"subscribe": "nosuchsim"}), json.dumps([1]),
                    "x" * 5000]:
            ws.send(bad)
            self.assertEqual(self.receive(ws, "error")["type"], "error")
        sim = self.e.start("spring-damper", time_scale=1)
        ws.send(json.dumps({"subscribe": sim}))
        self.assertEqual(self.receive(ws, "subscribed")["sim"]["sim_id"], sim)

    def test_websocket_only_at_its_path(self):
        with self.assertRaises(websocket.WebSocketException):
            websocket.create_connection(f"ws://127.0.0.1:{self.e.port}/api/ws", timeout=5)


if __name__ == "__main__":
    unittest.main(verbosity=2)
