"""Faults of a worker (issue 6, faults 1 and 4): a worker killed with
SIGKILL mid-run, and a worker that hangs (SIGSTOP) and later wakes up.

Its sims must carry on on another worker from their last checkpoint, their
history must hold no invented and no repeated point (every point is checked
against the spring-damper's closed-form solution), and a hung worker that
wakes must not speak for them again."""
import math
import os
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Stack, wait_for  # noqa: E402

TIME_SCALE = 10
CHECKPOINT_S = 2.0      # worker.h: WORKER_CHECKPOINT_S


def exact_x(t, zeta=0.01):
    """spring-damper with m = k = 1, F = 0, x(0) = 0, v(0) = 1."""
    wd = math.sqrt(1 - zeta * zeta)
    return math.exp(-zeta * t) * math.sin(wd * t) / wd


def read(path):
    with open(path) as f:
        return f.read()


class WorkerFaultTest(unittest.TestCase):
    def setUp(self):
        self.stack = Stack(self, workers=0)
        self.e = self.stack.engine
        self.workers = {wid: self.stack.add_worker(wid) for wid in ("wa", "wb")}
        wait_for(lambda: len(self.e.get("/api/status")[1]["workers"]) == 2, what="two workers")
        self.sims = [self.e.start("spring-damper", time_scale=TIME_SCALE) for _ in range(6)]
        for s in self.sims:
            self.e.wait_status(s, "running")
        wait_for(lambda: {self.e.sim(s)["worker"] for s in self.sims} == {"wa", "wb"},
                 what="sims on both workers")
        wait_for(lambda: all(self.e.sim(s)["t"] > 20 for s in self.sims), timeout=30,
                 what="the sims to run a while")
        self.victims = [s for s in self.sims if self.e.sim(s)["worker"] == "wa"]

    def assert_history_exact_and_unrepeated(self, sim):
        hist = self.e.get(f"/api/sims/{sim}/history?tags=x&max_points=0")[1]["tags"]["x"]
        times = [t for t, _ in hist]
        self.assertEqual(times, sorted(set(times)), f"{sim}: repeated or unordered points")
        for t, x in hist:
            self.assertAlmostEqual(x, exact_x(t), delta=1e-6, msg=f"{sim} at t = {t}")
        return times

    def wait_moved(self, timeout=30):
        return wait_for(lambda: all(self.e.sim(s)["worker"] == "wb" and
                                    self.e.sim(s)["status"] == "running"
                                    for s in self.victims),
                        timeout=timeout, what="the sims to move to wb")

    def test_killed_worker_sims_carry_on_from_their_checkpoints(self):
        t_before = {s: self.e.sim(s)["t"] for s in self.victims}
        killed_at = time.monotonic()
        self.workers["wa"].proc.send_signal(signal.SIGKILL)
        self.workers["wa"].proc.wait()
        self.wait_moved()
        moved_after = time.monotonic() - killed_at
        # They go on from there, and every point is right.
        wait_for(lambda: all(self.e.sim(s)["t"] > t_before[s] + 20 for s in self.victims),
                 timeout=30, what="the moved sims to go on")
        log = read(self.workers["wb"].log_path)
        for s in self.victims:
            self.assertIn(f"sim {s}: carries on from its checkpoint", log)
            self.assert_history_exact_and_unrepeated(s)
        for s in self.sims:
            self.assertEqual(self.e.sim(s)["status"], "running")
        # At most one checkpoint interval (x time scale) was computed again:
        # the resumed sims said where they carried on from.
        for line in log.splitlines():
            if "carries on from its checkpoint at t = " in line:
                sim = line.split("sim ")[1].split(":")[0]
                t_ckpt = float(line.rsplit("t = ", 1)[1].split(" ")[0])
                self.assertGreater(t_ckpt, t_before[sim] - (CHECKPOINT_S + 1) * TIME_SCALE)
        print(f"\nsims moved {moved_after:.1f} s after the kill", file=sys.stderr)

    def test_hung_worker_is_fenced_and_drops_its_sims_when_it_wakes(self):
        hung = self.workers["wa"].proc
        hung.send_signal(signal.SIGSTOP)
        try:
            self.wait_moved()
        finally:
            hung.send_signal(signal.SIGCONT)
        wait_for(lambda: "dropping them" in read(self.workers["wa"].log_path), timeout=15,
                 what="the woken worker to drop its sims")
        status = self.e.get("/api/status")[1]
        wa = [w for w in status["workers"] if w["id"] == "wa"]
        if wa:
            wait_for(lambda: [w for w in self.e.get("/api/status")[1]["workers"]
                              if w["id"] == "wa"][0]["sims"] == 0, what="wa to run nothing")
        time.sleep(2)
        for s in self.victims:
            rec = self.e.sim(s)
            self.assertEqual((rec["worker"], rec["status"]), ("wb", "running"))
            self.assert_history_exact_and_unrepeated(s)


if __name__ == "__main__":
    unittest.main(verbosity=2)
