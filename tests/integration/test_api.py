"""The promised API end to end: real redis-server, pde-engine, pde-workers.

Covers every endpoint, every error case (and that a refused request changes
nothing), sims reaching their duration, and history rows for every sample."""
import math
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import SharedStackTest, wait_for  # noqa: E402


class ApiTest(SharedStackTest, unittest.TestCase):
    # ---------------------------------------------------------- models
    def test_models_list(self):
        status, models = self.e.get("/api/models/")
        self.assertEqual(status, 200)
        ids = {m["id"] for m in models}
        self.assertTrue({"spring-damper", "wood-berry"} <= ids, ids)
        for m in models:
            self.assertTrue(m["title"] and m["description"])
            for t in m["tags"]:
                self.assertEqual(set(t), {"name", "kind", "unit", "min", "max", "default",
                                          "description"})
                self.assertIn(t["kind"], ("input", "output"))
                self.assertLess(t["min"], t["max"])
        wb = next(m for m in models if m["id"] == "wood-berry")
        kinds = {t["name"]: t["kind"] for t in wb["tags"]}
        self.assertEqual(kinds, {"R": "input", "S": "input", "F": "input",
                                 "xD": "output", "xB": "output"})

    def test_model_detail_and_unknown(self):
        status, m = self.e.get("/api/models/spring-damper")
        self.assertEqual(status, 200)
        self.assertIn("params", m)
        status, err = self.e.get("/api/models/no-such-model")
        self.assertEqual(status, 404)
        self.assertIn("no-such-model", err["error"])
        status, err = self.e.get("/api/models/no-such-model/start")
        self.assertEqual(status, 404)

    # ---------------------------------------------------------- life of a sim
    def test_start_get_runs_in_real_time(self):
        sim = self.e.start("wood-berry")
        rec = self.e.wait_status(sim, "running")
        self.assertEqual(rec["model"], "wood-berry")
        self.assertEqual(rec["time_scale"], 1)
        self.assertEqual(rec["duration"], 86400)
        self.assertTrue(rec["worker"])
        listed = {s["sim_id"]: s for s in self.e.get("/api/sims/all")[1]}
        self.assertIn(sim, listed)
        for field in ("sim_id", "model", "status", "worker", "t", "time_scale",
                      "started_at", "ended_at"):
            self.assertIn(field, listed[sim])
        t0 = wait_for(lambda: self.e.get(f"/api/sims/{sim}/all")[1]["t"] >= 1 and
                      self.e.get(f"/api/sims/{sim}/all")[1], what="a sample")
        values = {t["tag"]: t for t in t0["tags"]}
        self.assertAlmostEqual(values["xD"]["value"], 96.25, places=9)
        self.assertAlmostEqual(values["R"]["value"], 1.95, places=12)
        self.assertEqual(values["xD"]["unit"], "mol %")
        # Real time: simulated time keeps pace with the wall clock.
        time.sleep(2.0)
        t1 = self.e.get(f"/api/sims/{sim}/xD")[1]["t"]
        self.assertGreaterEqual(t1 - t0["t"], 1.0)
        self.assertLessEqual(t1 - t0["t"], 3.5)
        self.assertEqual(self.e.delete(f"/api/sims/{sim}")[0], 200)

    def test_post_start_runs_to_its_duration_and_records_every_sample(self):
        sim = self.e.start("spring-damper", time_scale=20, duration=10, sample_time=0.5,
                           inputs={"F": 0.5})
        rec = self.e.wait_status(sim, "finished", timeout=20)
        self.assertEqual(rec["t"], 10)
        self.assertIsNotNone(rec["ended_at"])
        status, hist = self.e.get(f"/api/sims/{sim}/history")
        self.assertEqual(status, 200)
        self.assertEqual(set(hist["tags"]), {"F", "x", "v"})
        times = [p[0] for p in hist["tags"]["x"]]
        self.assertEqual(times, [k * 0.5 for k in range(21)])
        self.assertTrue(all(p[1] == 0.5 for p in hist["tags"]["F"]))
        # The engine's latest values agree with what the historian has.
        last = {t["tag"]: t["value"] for t in self.e.get(f"/api/sims/{sim}/all")[1]["tags"]}
        self.assertAlmostEqual(last["x"], hist["tags"]["x"][-1][1], delta=1e-12)
        # Sub-ranges and downsampling.
        status, part = self.e.get(f"/api/sims/{sim}/history?tags=x&from=2&to=4")
        self.assertEqual([p[0] for p in part["tags"]["x"]], [2, 2.5, 3, 3.5, 4])
        status, few = self.e.get(f"/api/sims/{sim}/history?tags=x,v&max_points=5")
        self.assertLessEqual(len(few["tags"]["x"]), 5)
        self.assertGreater(len(few["tags"]["x"]), 0)

    def test_spring_damper_matches_the_analytic_solution_through_the_whole_path(self):
        sim = self.e.start("spring-damper", time_scale="max", duration=60, sample_time=0.1)
        self.e.wait_status(sim, "finished", timeout=30)
        hist = self.e.get(f"/api/sims/{sim}/history?tags=x,v")[1]["tags"]
        self.assertEqual(len(hist["x"]), 601)
        zeta, w = 0.01, 1.0
        wd = w * math.sqrt(1 - zeta ** 2)
        worst = 0
        for t, x in hist["x"]:
            exact = math.exp(-zeta * w * t) * math.sin(wd * t) / wd
            worst = max(worst, abs(x - exact))
        self.assertLess(worst, 1e-5)

    def test_write_an_input(self):
        sim = self.e.start("spring-damper", time_scale=1)
        self.e.wait_status(sim, "running")
        status, tv = self.e.post(f"/api/sims/{sim}/F", {"value": 2.5})
        self.assertEqual(status, 200, tv)
        self.assertEqual(tv["tag"], "F")
        self.assertEqual(tv["value"], 2.5)
        self.assertEqual(tv["unit"], "N")
        self.assertGreaterEqual(tv["t"], 0)
        # Shown at once, without waiting for the next sample.
        status, now = self.e.get(f"/api/sims/{sim}/F")
        self.assertEqual(now["value"], 2.5)
        # And the simulation uses it: it reaches the historian.
        wait_for(lambda: any(p[1] == 2.5 for p in
                             self.e.get(f"/api/sims/{sim}/history?tags=F")[1]["tags"]["F"]),
                 what="F = 2.5 in the history")
        self.e.delete(f"/api/sims/{sim}")

    def test_stop(self):
        sim = self.e.start("wood-berry")
        self.e.wait_status(sim, "running")
        status, rec = self.e.delete(f"/api/sims/{sim}")
        self.assertEqual(status, 200)
        self.assertEqual(rec["status"], "stopped")
        self.assertIsNotNone(rec["ended_at"])
        status, err = self.e.delete(f"/api/sims/{sim}")
        self.assertEqual(status, 409)
        status, err = self.e.post(f"/api/sims/{sim}/R", {"value": 2.0})
        self.assertEqual(status, 409)
        self.assertIn("stopped", err["error"])
        # The record and history are kept.
        self.assertEqual(self.e.sim(sim)["status"], "stopped")
        self.assertEqual(self.e.get(f"/api/sims/{sim}/history")[0], 200)

    # ---------------------------------------------------------- bad input
    def test_errors_are_json_and_change_nothing(self):
        sim = self.e.start("wood-berry", time_scale=1)
        self.e.wait_status(sim, "running")
        cases = [
            ("GET", "/api/sims/nosuchsim/all", None, None, 404),
            ("GET", "/api/sims/nosuchsim", None, None, 404),
            ("GET", f"/api/sims/{sim}/nosuchtag", None, None, 404),
            ("POST", f"/api/sims/{sim}/nosuchtag", {"value": 1}, None, 404),
            ("POST", f"/api/sims/{sim}/R", None, b"{not json", 400),
            ("POST", f"/api/sims/{sim}/R", None, b"", 400),
            ("POST", f"/api/sims/{sim}/R", {"value": "abc"}, None, 400),
            ("POST", f"/api/sims/{sim}/R", {"value": None}, None, 400),
            ("POST", f"/api/sims/{sim}/R", {"valu": 1.0}, None, 400),
            ("POST", f"/api/sims/{sim}/R", None, b'{"value": 1e999}', 400),
            ("POST", f"/api/sims/{sim}/R", None, b'{"value": NaN}', 400),
            ("POST", f"/api/sims/{sim}/R", {"value": 1e6}, None, 400),
            ("POST", f"/api/sims/{sim}/R", {"value": -5}, None, 400),
            ("POST", f"/api/sims/{sim}/xD", {"value": 90}, None, 409),
            ("POST", "/api/models/wood-berry/start", None, b"[1,2]", 400),
            ("POST", "/api/models/wood-berry/start", {"time_scale": 0}, None, 400),
            ("POST", "/api/models/wood-berry/start", {"time_scale": "fast"}, None, 400),
            ("POST", "/api/models/wood-berry/start", {"duration": -1}, None, 400),
            ("POST", "/api/models/wood-berry/start", {"sample_time": 0}, None, 400),
            ("POST", "/api/models/wood-berry/start", {"inputs": {"R": 99}}, None, 400),
            ("POST", "/api/models/wood-berry/start", {"inputs": {"xD": 1}}, None, 400),
            ("POST", "/api/models/wood-berry/start", {"params": {"nope": 1}}, None, 400),
            ("POST", "/api/models/wood-berry/start", {"bogus": 1}, None, 400),
            ("GET", f"/api/sims/{sim}/history?from=abc", None, None, 400),
            ("GET", f"/api/sims/{sim}/history?tags=nope", None, None, 404),
            ("GET", "/api/nothing-here", None, None, 404),
            ("DELETE", "/api/models/", None, None, 405),
        ]
        n_sims = len(self.e.get("/api/sims/all")[1])
        for method, path, body, raw, expected in cases:
            with self.subTest(method=method, path=path, body=body or raw):
                status, err = self.e.request(method, path, body=body, raw=raw)
                self.assertEqual(status, expected, err)
                self.assertIsInstance(err.get("error"), str)
                self.assertTrue(err["error"])
        # Nothing changed: no sim was added, R kept its value.
        self.assertEqual(len(self.e.get("/api/sims/all")[1]), n_sims)
        self.assertEqual(self.e.get(f"/api/sims/{sim}/R")[1]["value"], 1.95)
        self.e.delete(f"/api/sims/{sim}")

    def test_oversized_body_is_refused(self):
        status, err = self.e.post("/api/models/wood-berry/start",
                                  raw=b'{"inputs": {}, "pad": "' + b"x" * 200000 + b'"}')
        self.assertEqual(status, 413)
        self.assertIn("larger", err["error"])
        # The server is fine afterwards.
        self.assertEqual(self.e.get("/api/models/")[0], 200)

    def test_status(self):
        status, st = self.e.get("/api/status")
        self.assertEqual(status, 200)
        self.assertTrue(st["engine"]["redis_up"])
        self.assertEqual(st["historian"]["backend"], "sqlite")
        self.assertGreaterEqual(len(st["workers"]), 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
