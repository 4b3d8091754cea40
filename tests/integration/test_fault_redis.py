"""Fault: Redis restarted, or unreachable for 10 s (issue 6, fault 3).

The engine and a worker run against a Redis the test controls (append-only
file, fsync always). Redis is killed and started again on the same port
with the same files, or frozen with SIGSTOP for 10 s. Meanwhile the engine
answers: reads from memory at once, state changes (start, write a tag,
stop) with a 503 and a JSON error. Afterwards engine and worker have
reconnected by themselves, each logged the outage once (not per retry),
the sims kept their state and carry on, their history has no duplicate and
no gap, and every process still exits cleanly.

The engine's private Redis (no --redis) is restarted by the engine itself
when it dies."""
import os
import shutil
import signal
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Engine, Stack, Worker, pid_alive, wait_for  # noqa: E402
from faults import PersistentRedis, gaps_and_duplicates, history_times, log_lines  # noqa: E402

OUTAGE_S = 10
UNREACHABLE = r"redis \S+ unreachable"
BACK = r"redis \S+ reachable again after"


def timed_get(test, e, path, limit=5.0):
    """A GET that must be answered quickly whatever Redis does."""
    t0 = time.monotonic()
    status, body = e.get(path)
    test.assertLess(time.monotonic() - t0, limit, f"GET {path} took too long")
    return status, body


class RedisTestBase(unittest.TestCase):
    """An engine (no local workers) and worker w1 on a PersistentRedis."""

    def setUp(self):
        tmp = tempfile.mkdtemp(prefix="pde-it-")
        self.addCleanup(shutil.rmtree, tmp, True)
        self.redis = PersistentRedis(tmp)
        self.addCleanup(self.redis.stop)
        self.e = Engine(tmp, self.redis.url, workers=0)
        self.addCleanup(self.e.kill_group)
        self.worker = Worker(tmp, self.redis.url, "w1")
        self.addCleanup(self.worker.stop, signal.SIGKILL)
        wait_for(lambda: len(timed_get(self, self.e, "/api/status")[1]["workers"]) == 1,
                 what="the worker to join")

    def run_outage(self, begin, end):
        e = self.e
        sims = [e.start("spring-damper", time_scale=5, duration=100000) for _ in range(3)]
        for s in sims:
            e.wait_status(s, "running")
        wait_for(lambda: all(e.sim(s)["t"] >= 3 for s in sims), what="a few samples")

        begin()
        t_down = time.monotonic()
        try:
            wait_for(lambda: not timed_get(self, e, "/api/status")[1]["engine"]["redis_up"],
                     timeout=8, what="the engine to see Redis down")
            t_seen = time.monotonic() - t_down
            before = {s: timed_get(self, e, f"/api/sims/{s}")[1]["t"] for s in sims}
            # State changes: 503 with a JSON error, at once.
            for method, path, body in (
                    ("POST", "/api/models/spring-damper/start", {}),
                    ("GET", "/api/models/spring-damper/start", None),
                    ("POST", f"/api/sims/{sims[0]}/F", {"value": 1.5}),
                    ("DELETE", f"/api/sims/{sims[1]}", None)):
                t0 = time.monotonic()
                status, answer = e.request(method, path, body=body)
                self.assertEqual(status, 503, (method, path, answer))
                self.assertIn("Redis", answer["error"])
                self.assertLess(time.monotonic() - t0, 5)
            # Reads: answered from memory.
            for path in ("/api/sims/all", f"/api/sims/{sims[0]}", f"/api/sims/{sims[0]}/all",
                         f"/api/sims/{sims[0]}/x", f"/api/sims/{sims[0]}/history?tags=x",
                         "/api/historian", "/api/models/"):
                self.assertEqual(timed_get(self, e, path)[0], 200, path)
            time.sleep(max(0.0, OUTAGE_S - (time.monotonic() - t_down)))
        finally:
            end()
        t_back = time.monotonic()
        wait_for(lambda: timed_get(self, e, "/api/status")[1]["engine"]["redis_up"],
                 timeout=20, what="the engine to reconnect")
        t_engine = time.monotonic() - t_back
        # The sims were not lost: still running on the same worker, and
        # moving on from where they were.
        wait_for(lambda: all(e.sim(s)["t"] > before[s] + 2 for s in sims), timeout=20,
                 what="the sims to continue")
        t_samples = time.monotonic() - t_back
        for s in sims:
            rec = e.sim(s)
            self.assertEqual((rec["status"], rec["worker"]), ("running", "w1"), rec)
        status, tv = e.post(f"/api/sims/{sims[0]}/F", {"value": 1.5})
        self.assertEqual((status, tv.get("value")), (200, 1.5), tv)
        new = e.start("spring-damper", time_scale=10, duration=3)
        e.wait_status(new, "finished", timeout=30)
        status, rec = e.delete(f"/api/sims/{sims[1]}")
        self.assertEqual((status, rec["status"]), (200, "stopped"))
        # Nothing missing, nothing twice, in what the historian holds.
        for s in sims:
            t_last = e.sim(s)["t"]
            times = wait_for(lambda: (lambda ts: ts if ts and max(ts) >= t_last else None)(
                                 [t for t in history_times(e, s, "x") if t <= t_last]),
                             timeout=10, what=f"history of {s} up to {t_last}")
            missing, dup = gaps_and_duplicates(times, 1.0)
            self.assertEqual((missing, dup), ([], []), f"sim {s}")
        # Each process logged the outage once, and its end once.
        for who, path in (("engine", e.log_path), ("worker", self.worker.log_path)):
            self.assertEqual(len(log_lines(path, UNREACHABLE)), 1,
                             (who, log_lines(path, "redis|Redis")))
            self.assertEqual(len(log_lines(path, BACK)), 1,
                             (who, log_lines(path, "redis|Redis")))
        self.assertTrue(pid_alive(self.worker.proc.pid))
        self.assertEqual(self.worker.stop(), 0)
        self.assertEqual(e.stop(), 0)
        sys.stderr.write(f"\n  [{self._testMethodName}] engine saw Redis down after "
                         f"{t_seen:.1f} s; reconnected {t_engine:.1f} s after Redis was "
                         f"back; samples flowing after {t_samples:.1f} s; "
                         f"{log_lines(e.log_path, BACK)[0].split('reachable again')[1]}\n")


class RedisOutageTest(RedisTestBase):
    def test_redis_killed_and_restarted(self):
        self.run_outage(self.redis.kill, self.redis.restart)

    def test_redis_frozen_for_10_s(self):
        self.run_outage(self.redis.pause, self.redis.resume)


class RedisDataLossTest(RedisTestBase):
    def test_redis_restarted_without_its_data(self):
        """A Redis with no persistence comes back empty: the engine writes
        its registry and its consumer group again, workers their groups and
        heartbeats; the sims run on, and a restarted engine knows them."""
        e, redis = self.e, self.redis
        sims = [e.start("spring-damper", time_scale=5, duration=100000) for _ in range(2)]
        for s in sims:
            e.wait_status(s, "running")
        redis.kill()
        shutil.rmtree(os.path.join(redis.dir, "appendonlydir"), ignore_errors=True)
        wait_for(lambda: not e.get("/api/status")[1]["engine"]["redis_up"], timeout=8,
                 what="the engine to see Redis down")
        redis.restart()
        self.assertEqual(redis.command("EXISTS", f"pde:sim:{sims[0]}"), "0")
        wait_for(lambda: e.get("/api/status")[1]["engine"]["redis_up"], timeout=20,
                 what="the engine to reconnect")
        t0 = {s: e.sim(s)["t"] for s in sims}
        wait_for(lambda: all(e.sim(s)["t"] > t0[s] + 2 for s in sims), timeout=20,
                 what="samples again")
        wait_for(lambda: redis.command("ZCARD", "pde:sims") == str(len(sims)), timeout=10,
                 what="the registry written again")
        status, tv = e.post(f"/api/sims/{sims[0]}/F", {"value": 1.5})
        self.assertEqual((status, tv.get("value")), (200, 1.5), tv)
        self.assertEqual(e.stop(), 0)
        e2 = Engine(os.path.dirname(self.worker.log_path), redis.url, workers=0)
        self.addCleanup(e2.kill_group)
        for s in sims:
            rec = e2.sim(s)
            self.assertEqual((rec["status"], rec["worker"]), ("running", "w1"), rec)
        t1 = e2.sim(sims[1])["t"]
        wait_for(lambda: e2.sim(sims[1])["t"] > t1 + 2, timeout=20,
                 what="samples reaching the new engine")
        self.assertEqual(e2.stop(), 0)


class PrivateRedisTest(unittest.TestCase):
    def test_engine_restarts_its_private_redis(self):
        stack = Stack(self, workers=1, private_redis=True)
        e = stack.engine
        sim = e.start("spring-damper", time_scale=5, duration=100000)
        e.wait_status(sim, "running")
        wait_for(lambda: e.sim(sim)["t"] >= 2, what="a few samples")
        port, pid = e.private_redis()
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: not e.get("/api/status")[1]["engine"]["redis_up"], timeout=8,
                 what="the engine to see Redis down")
        t0 = e.sim(sim)["t"]
        wait_for(lambda: e.get("/api/status")[1]["engine"]["redis_up"], timeout=20,
                 what="the engine to restart its Redis")
        port2, pid2 = e.private_redis()
        self.assertEqual(port2, port)
        self.assertNotEqual(pid2, pid)
        wait_for(lambda: e.sim(sim)["t"] > t0 + 2, timeout=20, what="the sim to continue")
        self.assertEqual(e.sim(sim)["status"], "running")
        self.assertEqual(len(log_lines(e.log_path, r"private redis-server exited")), 1)
        self.assertEqual(e.stop(), 0)
        self.assertFalse(pid_alive(pid2), "the private Redis is left running")

    def test_private_redis_left_by_a_killed_engine_is_restarted_too(self):
        """The engine is SIGKILLed; the next one takes over its Redis and
        workers (not its children); that Redis dies: it is started again."""
        stack = Stack(self, workers=1, private_redis=True)
        e = stack.engine
        sim = e.start("spring-damper", time_scale=5, duration=100000)
        e.wait_status(sim, "running")
        (worker,) = e.worker_pids()
        self.addCleanup(lambda: pid_alive(worker) and os.kill(worker, signal.SIGKILL))
        e.proc.kill()
        e.proc.wait()
        e.log.close()
        port, pid = e.private_redis()
        self.addCleanup(lambda: pid_alive(pid) and os.kill(pid, signal.SIGKILL))
        e2 = Engine(stack.tmp, None, workers=1)
        self.addCleanup(e2.kill_group)
        self.assertEqual(e2.worker_pids(), [worker])
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: not e2.get("/api/status")[1]["engine"]["redis_up"], timeout=8,
                 what="the engine to see Redis down")
        t0 = e2.sim(sim)["t"]
        wait_for(lambda: e2.get("/api/status")[1]["engine"]["redis_up"], timeout=20,
                 what="the engine to restart the Redis")
        port2, pid2 = e2.private_redis()
        self.assertEqual(port2, port)
        wait_for(lambda: e2.sim(sim)["t"] > t0 + 2, timeout=20, what="the sim to continue")
        self.assertEqual(e2.sim(sim)["status"], "running")
        self.assertEqual(e2.stop(), 0)
        wait_for(lambda: not pid_alive(pid2) and not pid_alive(worker), timeout=10,
                 what="the Redis and the adopted worker to stop")


if __name__ == "__main__":
    unittest.main(verbosity=2)
