"""Workers and the processes around them: sharing sims, being restarted
after SIGKILL, joining by hand, the engine's own private Redis, restarts of
the engine, and nothing left running after a stop."""
import os
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Engine, Stack, pid_alive, wait_for  # noqa: E402


class WorkersTest(unittest.TestCase):
    def test_two_workers_share_sims(self):
        e = Stack(self, workers=2).engine
        wait_for(lambda: len(e.get("/api/status")[1]["workers"]) == 2, what="two workers")
        sims = [e.start("wood-berry", time_scale=10) for _ in range(12)]
        for s in sims:
            e.wait_status(s, "running")
        owners = {e.sim(s)["worker"] for s in sims}
        self.assertEqual(len(owners), 2, owners)

    def test_killed_worker_is_restarted_and_its_sims_carry_on(self):
        e = Stack(self, workers=1).engine
        sim = e.start("spring-damper")
        e.wait_status(sim, "running")
        old_worker = e.sim(sim)["worker"]
        (pid,) = e.worker_pids()
        os.kill(pid, signal.SIGKILL)
        new_pid = wait_for(lambda: [p for p in e.worker_pids() if p != pid], timeout=10,
                           what="a restarted worker")[0]
        self.assertTrue(pid_alive(new_pid))
        # The lost worker's sim carries on on the restarted one, from its
        # checkpoint (test_fault_worker.py checks the values).
        rec = wait_for(lambda: e.sim(sim)["worker"] not in (None, old_worker) and e.sim(sim),
                       timeout=20, what="the sim to move to the restarted worker")
        self.assertEqual(rec["status"], "running")
        t = rec["t"]
        wait_for(lambda: e.sim(sim)["t"] > t, what="the sim to go on")
        # The restarted worker takes new work.
        sim2 = e.start("spring-damper", time_scale=100, duration=5)
        e.wait_status(sim2, "finished", timeout=15)

    def test_worker_started_by_hand_joins_and_takes_work(self):
        stack = Stack(self, workers=0)
        e = stack.engine
        sim = e.start("wood-berry", time_scale=10)
        time.sleep(0.5)
        self.assertEqual(e.sim(sim)["status"], "queued")  # no worker yet
        stack.add_worker("remote-1")
        rec = e.wait_status(sim, "running")
        self.assertEqual(rec["worker"], "remote-1")
        status, tv = e.post(f"/api/sims/{sim}/R", {"value": 2.05})
        self.assertEqual((status, tv["value"]), (200, 2.05))

    def test_job_claimed_by_a_dead_worker_is_taken_over(self):
        stack = Stack(self, workers=0)
        e, redis = stack.engine, stack.redis
        sim = e.start("spring-damper", time_scale=10)
        # A worker claims the job and dies before starting it: the entry
        # stays pending under its name. (XCLAIM ... IDLE ages it.)
        redis.command("XREADGROUP", "GROUP", "workers", "ghost", "COUNT", "1",
                      "STREAMS", "pde:jobs", ">")
        entry = redis.command("XPENDING", "pde:jobs", "workers", "-", "+", "1").split()[0]
        redis.command("XCLAIM", "pde:jobs", "workers", "ghost", "0", entry, "IDLE", "60000")
        stack.add_worker("rescuer")
        rec = e.wait_status(sim, "running", timeout=10)
        self.assertEqual(rec["worker"], "rescuer")

    def test_restarted_engine_knows_every_sim(self):
        stack = Stack(self, workers=1)
        e = stack.engine
        done = e.start("spring-damper", time_scale=100, duration=3)
        e.wait_status(done, "finished")
        self.assertEqual(e.stop(), 0)
        e2 = Engine(stack.tmp, stack.redis.url, workers=1)
        self.addCleanup(e2.kill_group)
        rec = e2.sim(done)
        self.assertEqual(rec["status"], "finished")
        self.assertEqual(rec["t"], 3)
        hist = e2.get(f"/api/sims/{done}/history?tags=x")[1]["tags"]["x"]
        self.assertEqual(len(hist), 4)

    def test_private_redis_and_clean_shutdown(self):
        stack = Stack(self, workers=2, private_redis=True)
        e = stack.engine
        _, redis_pid = e.private_redis()
        self.assertTrue(pid_alive(redis_pid))
        sim = e.start("spring-damper", time_scale=50, duration=4)
        e.wait_status(sim, "finished")
        running = e.start("wood-berry")
        e.wait_status(running, "running")
        workers = e.worker_pids()
        self.assertEqual(len(workers), 2)
        self.assertEqual(e.stop(signal.SIGINT), 0)
        for pid in workers + [redis_pid]:
            wait_for(lambda: not pid_alive(pid), timeout=5, what=f"pid {pid} to exit")
        self.assertFalse(os.path.exists(os.path.join(e.data_dir, "redis.port")))
        # Its data stayed: a new engine on the same data dir knows both sims,
        # and the one that was running when the system stopped says so.
        e2 = Engine(stack.tmp, None, workers=1)
        self.addCleanup(e2.kill_group)
        self.assertEqual(e2.sim(sim)["status"], "finished")
        self.assertEqual(e2.sim(running)["status"], "stopped")
        self.assertEqual(e2.stop(), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
