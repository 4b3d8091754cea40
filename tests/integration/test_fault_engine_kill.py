"""Fault: the engine killed with SIGKILL and started again (issue 6,
fault 2).

Sims keep running in the workers while no engine is there; the new engine
(same data directory, same Redis, same port) rebuilds its registry from
Redis, picks pde:out up where the old one left it (consumer group "engine":
its unacknowledged entries first), and a WebSocket client that lost its
connection reconnects and subscribes again. No sim is lost, and every
sim's history holds each sample once, with no gap (what the old engine had
read but not yet stored is read again: entries are acknowledged only once
the historian has committed them).

With engine-supervised (local) workers, a SIGKILLed engine leaves them
running; the new engine adopts them (their pids are in
<data_dir>/workers.pids) instead of starting more, so their sims run on
without a break and the number of workers stays as configured."""
import json
import os
import signal
import sys
import time
import unittest

import websocket

sys.path.insert(0, os.path.dirname(__file__))
from harness import Engine, Stack, pid_alive, wait_for  # noqa: E402
from faults import gaps_and_duplicates, history_times  # noqa: E402


class WsClient:
    """A WebSocket client that reconnects and subscribes again, as the
    front end does."""

    def __init__(self, port, sim):
        self.url = f"ws://127.0.0.1:{port}/ws"
        self.sim = sim
        self.ws = None
        self.reconnects = 0

    def connect(self, timeout=30):
        def attempt():
            try:
                self.ws = websocket.create_connection(self.url, timeout=5)
                return True
            except (OSError, websocket.WebSocketException):
                return False
        wait_for(attempt, timeout=timeout, interval=0.2, what="the WebSocket to reconnect")
        self.ws.send(json.dumps({"subscribe": self.sim}))
        return self.receive("subscribed")

    def receive(self, kind, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = json.loads(self.ws.recv())
            if msg["type"] == kind:
                return msg
        raise AssertionError(f"no {kind} message in {timeout} s")

    def wait_closed(self, timeout=10):
        """Read until the server side is gone."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.ws.recv()
            except (OSError, websocket.WebSocketException):
                self.ws.close()
                return True
        raise AssertionError("the WebSocket stayed open after the engine died")

    def close(self):
        if self.ws:
            self.ws.close()


def check_history(test, e, sims):
    for s in sims:
        t_end = e.sim(s)["t"]
        times = wait_for(lambda: (lambda ts: ts if ts and max(ts) >= t_end else None)(
                             [t for t in history_times(e, s, "x") if t <= t_end]),
                         timeout=20, what=f"history of {s} up to {t_end}")
        missing, dup = gaps_and_duplicates(times, 1.0)
        test.assertEqual((missing[:10], dup[:10]), ([], []), f"sim {s}")


class EngineKillTest(unittest.TestCase):
    def test_external_workers_run_on_and_the_new_engine_takes_over(self):
        stack = Stack(self, workers=0)
        e, redis = stack.engine, stack.redis
        stack.add_worker("w1")
        sims = [e.start("spring-damper", time_scale=10, duration=100000) for _ in range(3)]
        for s in sims:
            e.wait_status(s, "running")
        ws = WsClient(e.port, sims[0])
        self.addCleanup(ws.close)
        ws.connect()
        ws.receive("sample")
        wait_for(lambda: all(e.sim(s)["t"] >= 5 for s in sims), what="a few samples")

        e.proc.kill()
        e.proc.wait()
        e.log.close()
        t_dead = time.monotonic()
        ws.wait_closed()
        # The worker runs on: what it reports piles up in pde:out.
        wait_for(lambda: int(redis.command("XLEN", "pde:out") or 0) >= 20, timeout=10,
                 what="samples to pile up in pde:out")
        time.sleep(max(0.0, 3 - (time.monotonic() - t_dead)))

        e2 = Engine(stack.tmp, redis.url, workers=0, port=e.port)
        self.addCleanup(e2.kill_group)
        t_up = time.monotonic()
        status, listed = e2.get("/api/sims/all")
        self.assertEqual(status, 200)
        self.assertLessEqual(set(sims), {r["sim_id"] for r in listed})
        for s in sims:
            rec = e2.sim(s)
            self.assertEqual((rec["status"], rec["worker"]), ("running", "w1"), rec)
        sub = ws.connect()
        self.assertEqual(sub["sim"]["status"], "running")
        t_ws = time.monotonic() - t_up
        first = ws.receive("sample")
        self.assertGreater(first["t"], 5)
        # The backlog is taken in and the stream stays short.
        wait_for(lambda: int(redis.command("XLEN", "pde:out") or 0) < 20, timeout=15,
                 what="pde:out to be drained")
        t_drained = time.monotonic() - t_up
        status, tv = e2.post(f"/api/sims/{sims[1]}/F", {"value": 1.5})
        self.assertEqual((status, tv.get("value")), (200, 1.5), tv)
        for s in sims:
            self.assertEqual(e2.delete(f"/api/sims/{s}")[0], 200)
        check_history(self, e2, sims)
        self.assertEqual(e2.stop(), 0)
        sys.stderr.write(f"\n  [engine kill] engine down {t_up - t_dead:.1f} s; WebSocket "
                         f"subscribed again {t_ws:.1f} s after the new engine answered; "
                         f"pde:out drained after {t_drained:.1f} s\n")

    def test_local_workers_are_adopted_not_doubled(self):
        stack = Stack(self, workers=2, private_redis=True)
        e = stack.engine
        wait_for(lambda: len(e.worker_pids()) == 2, what="two local workers")
        pids = sorted(e.worker_pids())
        sims = [e.start("spring-damper", time_scale=10, duration=100000) for _ in range(4)]
        for s in sims:
            e.wait_status(s, "running")
        e.proc.kill()
        e.proc.wait()
        e.log.close()
        time.sleep(1)
        self.assertTrue(all(pid_alive(p) for p in pids), "the workers died with the engine")

        e2 = Engine(stack.tmp, None, workers=2)
        self.addCleanup(e2.kill_group)
        self.addCleanup(lambda: [os.kill(p, signal.SIGKILL) for p in pids if pid_alive(p)])
        status, body = e2.get("/api/status")
        self.assertEqual(sorted(w["pid"] for w in body["local_workers"] if w["alive"]), pids,
                         body["local_workers"])
        wait_for(lambda: len(e2.get("/api/status")[1]["workers"]) == 2,
                 what="the two adopted workers' heartbeats")
        for s in sims:
            self.assertEqual(e2.sim(s)["status"], "running")
        t0 = {s: e2.sim(s)["t"] for s in sims}
        wait_for(lambda: all(e2.sim(s)["t"] > t0[s] + 3 for s in sims), timeout=20,
                 what="the sims to run on")
        # An adopted worker that dies is replaced like any local worker.
        os.kill(pids[0], signal.SIGKILL)
        wait_for(lambda: len(e2.worker_pids()) == 2 and pids[0] not in e2.worker_pids(),
                 timeout=20, what="a replacement worker")
        # A clean stop stops adopted workers too.
        live = e2.worker_pids()
        self.assertEqual(e2.stop(), 0)
        wait_for(lambda: not any(pid_alive(p) for p in live), timeout=10,
                 what="every worker to stop")


if __name__ == "__main__":
    unittest.main(verbosity=2)
