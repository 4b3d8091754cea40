"""The spring-damper split across two processes over Redis streams (issue 7):
`pde pydsd` against itself and against a minimal independent implementation
of the original demo's protocol written here, a half killed mid-run, and
the spring-damper-split model run by the engine on two workers.

Every trajectory is checked to the last bit against the semi-implicit Euler
recurrence computed here, independently of pde."""
import json
import math
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import redis

sys.path.insert(0, os.path.dirname(__file__))
from harness import BIN, Redis, Stack, wait_for  # noqa: E402

KICK_OFF = '{"x":0,"v":1,"t":0.0}'


def recurrence(cycles, m=1.0, k=1.0, zeta=0.01, h=0.1, x=0.0, v=1.0, force=lambda t: 0.0,
               t=0.0):
    """The states after each step: [(x, v, t) after the velocity step,
    (x, v, t) after the position step] per cycle, as MODELS.md writes the
    scheme."""
    c = 2 * zeta * math.sqrt(k * m)
    steps = []
    for _ in range(cycles):
        v = v + (h / m) * (force(t) - k * x - c * v)
        t = t + h
        after_velocity = (x, v, t)
        x = x + h * v
        steps.append((after_velocity, (x, v, t)))
    return steps


def state(text):
    s = json.loads(text)
    return (s["x"], s["v"], s["t"])


def python_text(values):
    """A state as Python's json.dumps writes it, without spaces: what pde
    writes, byte for byte."""
    return json.dumps(dict(zip("xvt", values)), separators=(",", ":"))


def packed_states(data):
    return [struct.unpack_from("<3d", data, i) for i in range(0, len(data), 24)]


def packed_messages(r, stream):
    """A stream's packed entries as (name, in, out) per chain, in order."""
    for _, fields in r.xrange(stream):
        if b"names" not in fields:
            continue
        names = json.loads(fields[b"names"])
        ins, outs = packed_states(fields[b"ins"]), packed_states(fields[b"outs"])
        assert len(names) == len(ins) == len(outs)
        yield from zip(names, ins, outs)


def read(path):
    with open(path) as f:
        return f.read()


def entries(r, stream):
    """A stream's demo entries (name, in, out), in order."""
    return [(eid, {k.decode(): val.decode() for k, val in fields.items()})
            for eid, fields in r.xrange(stream) if b"name" in fields]


class ProtocolHalf(threading.Thread):
    """A minimal independent implementation of one half of the original
    demo: reads its stream in its group, answers every entry with the next
    state, acknowledges it, stops after `cycles` cycles."""

    def __init__(self, port, role, cycles=1000, h=0.1, m=1.0, k=1.0, zeta=0.01):
        super().__init__(daemon=True)
        self.r = redis.Redis(port=port)
        self.role, self.cycles, self.h, self.m, self.k, self.zeta = role, cycles, h, m, k, zeta
        self.reads, self.writes, self.group = (
            ("positions", "velocities", "vel_group") if role == "velocity"
            else ("velocities", "positions", "pos_group"))
        try:
            self.r.xgroup_create(self.reads, self.group, id="$", mkstream=True)
        except redis.ResponseError:
            pass
        self.error = None

    def run(self):
        try:
            self.play()
        except Exception as e:  # reported by the test
            self.error = e

    def play(self):
        c = 2 * self.zeta * math.sqrt(self.k * self.m)
        while True:
            reply = self.r.xreadgroup(self.group, "third-party", {self.reads: ">"}, block=0)
            for _, items in reply:
                for eid, fields in items:
                    out = json.loads(fields[b"out"])
                    x, v, t = out["x"], out["v"], out["t"]
                    if self.role == "velocity":
                        if round(t / self.h) >= self.cycles:
                            self.r.xack(self.reads, self.group, eid)
                            return
                        v = v + (self.h / self.m) * (0.0 - self.k * x - c * v)
                        t = t + self.h
                    else:
                        x = x + self.h * v
                    self.r.xadd(self.writes, {"name": fields[b"name"], "in": fields[b"out"],
                                              "out": json.dumps({"x": x, "v": v, "t": t})})
                    self.r.xack(self.reads, self.group, eid)
                    if self.role == "position" and round(t / self.h) >= self.cycles:
                        return


class PydsdTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="pde-cosim-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.redis = Redis(self.tmp)
        self.addCleanup(self.redis.stop)
        self.r = redis.Redis(port=self.redis.port)

    def pydsd(self, role, *args):
        env = dict(os.environ, PDE_REDIS=self.redis.url)
        p = subprocess.Popen([os.path.join(BIN, "pde"), "pydsd", role, *args], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.addCleanup(self.reap, p)
        return p

    @staticmethod
    def reap(p):
        if p.poll() is None:
            p.kill()
        if not p.stdout.closed:
            p.communicate()

    def wait_group(self, stream, group):
        def exists():
            try:
                return any(g["name"].decode() == group for g in self.r.xinfo_groups(stream))
            except redis.ResponseError:
                return False
        wait_for(exists, what=f"group {group} on {stream}")

    def kick_off(self):
        # Exactly the original demo's kick-off, from redis-cli.
        subprocess.run(["redis-cli", "-p", str(self.redis.port), "XADD", "positions", "*",
                        "name", "mymodel", "in", KICK_OFF, "out", KICK_OFF],
                       check=True, capture_output=True)

    def finish(self, p, timeout=120):
        out, _ = p.communicate(timeout=timeout)
        self.assertEqual(p.returncode, 0, out)
        return out

    def assert_chain_follows_recurrence(self, cycles, pde_writes=("velocities", "positions"),
                                        **kw):
        positions = entries(self.r, "positions")
        velocities = entries(self.r, "velocities")
        self.assertEqual(len(positions), cycles + 1)     # the kick-off and one per cycle
        self.assertEqual(len(velocities), cycles)
        expected = recurrence(cycles, **kw)
        previous = positions[0][1]["out"]
        for n in range(cycles):
            vel, pos = velocities[n][1], positions[n + 1][1]
            self.assertEqual(vel["name"], "mymodel")
            self.assertEqual(vel["in"], previous, f"cycle {n}")
            self.assertEqual(state(vel["out"]), expected[n][0], f"cycle {n}")
            self.assertEqual(pos["in"], vel["out"], f"cycle {n}")
            self.assertEqual(state(pos["out"]), expected[n][1], f"cycle {n}")
            # pde writes numbers as Python does: "0.30000000000000004",
            # "1.0", "1e-05".
            if "velocities" in pde_writes:
                self.assertEqual(vel["out"], python_text(expected[n][0]))
            if "positions" in pde_writes:
                self.assertEqual(pos["out"], python_text(expected[n][1]))
            previous = pos["out"]
        # Every entry handled was acknowledged.
        self.assertEqual(self.r.xpending("positions", "vel_group")["pending"], 0)
        self.assertEqual(self.r.xpending("velocities", "pos_group")["pending"], 0)
        return expected

    def test_two_pde_halves_follow_the_recurrence_for_1000_cycles(self):
        v = self.pydsd("velocity")
        p = self.pydsd("position")
        self.wait_group("positions", "vel_group")
        self.wait_group("velocities", "pos_group")
        self.kick_off()
        out_v, out_p = self.finish(v), self.finish(p)
        expected = self.assert_chain_follows_recurrence(1000)
        x, vv, t = expected[-1][1]
        self.assertIn(f"chain mymodel done at t = {t!r}"[:40], out_v)
        self.assertIn("chain mymodel done", out_p)
        # Both stop cleanly after 1000 cycles; t is 100 s give or take
        # rounding, as in the original.
        self.assertAlmostEqual(t, 100.0, places=9)

    def play_against_independent_half(self, pde_role, other_role, stream, group):
        p = self.pydsd(pde_role)
        other = ProtocolHalf(self.redis.port, other_role)
        other.start()
        self.wait_group(stream, group)
        self.kick_off()
        self.finish(p)
        other.join(60)
        self.assertIsNone(other.error)
        writes = {"velocity": "velocities", "position": "positions"}[pde_role]
        self.assert_chain_follows_recurrence(1000, pde_writes=(writes,))

    def test_pde_velocity_half_against_an_independent_position_half(self):
        self.play_against_independent_half("velocity", "position", "positions", "vel_group")

    def test_pde_position_half_against_an_independent_velocity_half(self):
        self.play_against_independent_half("position", "velocity", "velocities", "pos_group")

    def test_a_half_killed_mid_run_resumes_without_skipping_or_repeating(self):
        cycles = 20000
        v = self.pydsd("velocity", "--cycles", str(cycles))
        p = self.pydsd("position", "--cycles", str(cycles))
        self.wait_group("positions", "vel_group")
        self.wait_group("velocities", "pos_group")
        self.kick_off()
        for role in ("velocity", "position"):
            proc = v if role == "velocity" else p
            done = self.r.xlen("velocities")
            wait_for(lambda: self.r.xlen("velocities") > done + 2000, timeout=60,
                     what="the chain to move on")
            proc.kill()
            proc.wait()
            # Started again, it takes up what the killed one left pending.
            if role == "velocity":
                v = self.pydsd("velocity", "--cycles", str(cycles))
            else:
                p = self.pydsd("position", "--cycles", str(cycles))
        self.finish(v)
        self.finish(p)
        self.assert_chain_follows_recurrence(cycles)

    def test_packed_chains_follow_the_recurrence_beside_a_demo_chain_and_resume(self):
        # Six chains packed in two entries (pack.h), one of them starting
        # at cycle 10 so that it ends first and leaves its entry, beside a
        # demo chain on the same streams; the velocity half is killed
        # mid-run and started again.
        cycles = 3000
        starts = {f"c{i}": (0.1 * i, 1.0 - 0.2 * i, 1.0 if i == 4 else 0.0) for i in range(6)}
        args = ("--cycles", str(cycles), "--chains", "7")
        v, p = self.pydsd("velocity", *args), self.pydsd("position", *args)
        self.wait_group("positions", "vel_group")
        self.wait_group("velocities", "pos_group")
        # A malformed packed entry (two names, no state) is skipped.
        bad = self.r.xadd("positions", {"names": '["a","b"]', "ins": b"", "outs": b""})
        for group in (["c0", "c2", "c4"], ["c1", "c3", "c5"]):
            states = b"".join(struct.pack("<3d", *starts[n]) for n in group)
            self.r.xadd("positions", {"names": json.dumps(group), "ins": states, "outs": states})
        self.kick_off()
        wait_for(lambda: self.r.xlen("velocities") > 1500, timeout=60, what="the chains to move")
        v.kill()
        v.wait()
        self.assertIn(f"entry {bad.decode()} is not names/ins/outs", v.communicate()[0])
        v = self.pydsd("velocity", *args)
        self.finish(v)
        self.finish(p)
        self.r.xdel("positions", bad)
        self.assert_chain_follows_recurrence(cycles)
        for name, (x, vv, t) in starts.items():
            expected = recurrence(cycles - round(t / 0.1), x=x, v=vv, t=t)
            for stream, after in (("velocities", 0), ("positions", 1)):
                got = [(i, o) for n, i, o in packed_messages(self.r, stream) if n == name]
                if stream == "positions":
                    got = got[1:]                           # the kick-off
                self.assertEqual([o for _, o in got], [e[after] for e in expected],
                                 f"{name} on {stream}")
                # Each message says what it answers: the state before it.
                before = [starts[name]] + [e[1] for e in expected[:-1]]
                if stream == "velocities":
                    self.assertEqual([i for i, _ in got], before, name)

    def test_a_state_that_would_overflow_stops_its_chain_and_sends_nothing(self):
        p = self.pydsd("position")
        self.wait_group("velocities", "pos_group")
        huge = '{"x":1.79e308,"v":1.79e308,"t":0.1}'      # x + h v is past DBL_MAX
        self.r.xadd("velocities", {"name": "big", "in": KICK_OFF, "out": huge})
        out = self.finish(p, timeout=30)
        self.assertIn("chain big stopped at t = 0.10000000000000001 s: its next state is not "
                      "finite", out)
        self.assertEqual(self.r.xlen("positions"), 0)    # no answer, above all no "inf"
        self.assertEqual(self.r.xpending("velocities", "pos_group")["pending"], 0)

    def test_bad_arguments_and_unstable_steps_are_refused(self):
        for args in (["sideways"], ["velocity", "--cycles", "x"], ["velocity", "--bogus", "1"]):
            p = self.pydsd(*args)
            self.assertEqual(p.wait(10), 2, args)
            self.assertIn("usage", p.communicate()[0])
        p = self.pydsd("velocity", "--h", "3")
        self.assertEqual(p.wait(10), 2)
        self.assertIn("unstable", p.communicate()[0])


class SplitModelTest(unittest.TestCase):
    """spring-damper-split run by the engine: two workers started by hand,
    so one can be killed."""

    def setUp(self):
        self.stack = Stack(self, workers=0)
        self.e = self.stack.engine
        self.workers = {wid: self.stack.add_worker(wid) for wid in ("wa", "wb")}
        wait_for(lambda: len(self.e.get("/api/status")[1]["workers"]) == 2, what="two workers")
        self.r = redis.Redis(port=self.stack.redis.port)

    def streams(self, sim):
        return (entries(self.r, f"pde:cosim:{sim}:positions"),
                entries(self.r, f"pde:cosim:{sim}:velocities"))

    def assert_follows_recurrence(self, sim, cycles, force=lambda t: 0.0):
        positions, velocities = self.streams(sim)
        self.assertEqual(len(velocities), cycles)
        self.assertEqual(len(positions), cycles + 1)
        expected = recurrence(cycles, force=force)
        for n in range(cycles):
            self.assertEqual(state(velocities[n][1]["out"]), expected[n][0], f"cycle {n}")
            self.assertEqual(state(positions[n + 1][1]["out"]), expected[n][1], f"cycle {n}")
        self.assertEqual(self.r.xpending(f"pde:cosim:{sim}:positions", "vel_group")["pending"], 0)
        return expected

    def assert_history_matches(self, sim, expected, sample_every=1):
        hist = self.e.get(f"/api/sims/{sim}/history?tags=x,v,F&max_points=0")[1]["tags"]
        xs = hist["x"]
        times = [t for t, _ in xs]
        self.assertEqual(len(times), len(set(times)), "duplicate points")
        want = {0.0: (0.0, 1.0)}
        for n, (_, (x, v, t)) in enumerate(expected):
            if (n + 1) % sample_every == 0:
                want[t] = (x, v)
        got = {t: x for t, x in xs}
        for t, (x, v) in want.items():
            match = [g for g in got if abs(g - t) < 1e-9]
            self.assertEqual(len(match), 1, f"t = {t}")
            self.assertAlmostEqual(got[match[0]], x, delta=1e-12 * max(1, abs(x)))

    def test_runs_on_two_workers_like_the_recurrence_and_is_recorded(self):
        status, models = self.e.get("/api/models/")
        split = [m for m in models if m["id"] == "spring-damper-split"][0]
        self.assertEqual([t["name"] for t in split["tags"]], ["F", "x", "v"])
        self.assertEqual((split["default_duration"], split["split"]), (100, True))
        sim = self.e.start("spring-damper-split", time_scale="max", sample_time=0.1)
        rec = self.e.wait_status(sim, "finished", timeout=60)
        self.assertEqual(rec["duration"], 100)      # 1000 cycles of 0.1 s by default
        self.assertEqual(rec["parts"]["velocity"], rec["worker"])
        self.assertEqual(sorted(rec["parts"].values()), ["wa", "wb"])
        expected = self.assert_follows_recurrence(sim, 1000)
        self.assert_history_matches(sim, expected)
        logs = {wid: read(w.log_path) for wid, w in self.workers.items()}
        roles = {wid: [r for r in ("velocity", "position") if f"its {r} part" in log]
                 for wid, log in logs.items()}
        self.assertEqual(sorted(sum(roles.values(), [])), ["position", "velocity"], roles)
        self.assertTrue(all(len(r) == 1 for r in roles.values()), roles)
        x = self.e.get(f"/api/sims/{sim}/x")[1]     # 15 digits in the API's JSON
        self.assertAlmostEqual(x["value"], expected[-1][1][0], delta=1e-14)

    def test_force_written_mid_run_applies_from_the_time_acknowledged(self):
        sim = self.e.start("spring-damper-split", time_scale=20, duration=20, sample_time=0.1)
        self.e.wait_status(sim, "running")
        wait_for(lambda: self.e.sim(sim)["t"] > 3, timeout=30, what="the sim to move")
        status, ack = self.e.post(f"/api/sims/{sim}/F", {"value": 2.5})
        self.assertEqual(status, 200, ack)
        self.assertEqual(ack["value"], 2.5)
        t_from = ack["t"]
        status, bad = self.e.post(f"/api/sims/{sim}/F", {"value": 99})
        self.assertEqual(status, 400, bad)
        self.e.wait_status(sim, "finished", timeout=60)
        self.assert_follows_recurrence(sim, 200,
                                       force=lambda t: 2.5 if t >= t_from - 1e-9 else 0.0)

    def test_killed_worker_its_part_moves_and_the_chain_resumes_exactly(self):
        sim = self.e.start("spring-damper-split", time_scale=8, sample_time=0.5)
        self.e.wait_status(sim, "running")
        wait_for(lambda: self.e.sim(sim)["t"] > 15, timeout=30, what="the sim to move")
        victim = self.e.sim(sim)["worker"]      # the velocity part's worker
        self.workers[victim].proc.send_signal(signal.SIGKILL)
        self.workers[victim].proc.wait()
        moved = wait_for(lambda: self.e.sim(sim)["worker"] != victim and self.e.sim(sim),
                         timeout=30, what="the velocity part to move")
        self.assertEqual(moved["status"], "running")
        rec = self.e.wait_status(sim, "finished", timeout=60)
        self.assertFalse(rec["error"])
        expected = self.assert_follows_recurrence(sim, 1000)
        # The history has a gap while no worker ran the part, but no
        # invented or repeated point: what is there is exact.
        hist = self.e.get(f"/api/sims/{sim}/history?tags=x&max_points=0")[1]["tags"]["x"]
        times = [t for t, _ in hist]
        self.assertEqual(len(times), len(set(times)))
        exact = {round(t, 6): x for (_, (x, _, t)) in expected}
        for t, x in hist:
            if t > 0:
                self.assertAlmostEqual(x, exact[round(t, 6)], delta=1e-12)

    def test_unstable_parameters_are_refused_and_start_nothing(self):
        before = len(self.e.get("/api/sims/all")[1])
        status, body = self.e.post("/api/models/spring-damper-split/start",
                                   {"params": {"h": 1, "k": 100, "m": 0.1}})
        self.assertEqual(status, 400, body)
        self.assertIn("unstable", body["error"])
        self.assertEqual(len(self.e.get("/api/sims/all")[1]), before)

    def test_stop_ends_both_parts(self):
        sim = self.e.start("spring-damper-split", time_scale=5)
        self.e.wait_status(sim, "running")
        wait_for(lambda: self.e.sim(sim)["t"] > 1, timeout=30, what="the sim to move")
        status, _ = self.e.delete(f"/api/sims/{sim}")
        self.assertEqual(status, 200)
        stream = f"pde:cosim:{sim}:velocities"
        time.sleep(1.0)
        n = self.r.xlen(stream)
        time.sleep(1.0)
        self.assertEqual(self.r.xlen(stream), n, "the parts go on after stop")
        wait_for(lambda: all("part stopped" in read(w.log_path)
                             for w in self.workers.values()), what="both parts to stop")


if __name__ == "__main__":
    unittest.main(verbosity=2)
