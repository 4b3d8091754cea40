"""The InfluxDB historian end to end: a private influxd (Debian's 1.x, on
free loopback ports, data in a temp dir), redis-server, pde-engine and its
workers with --historian influx://127.0.0.1:PORT/pde_it.

Checks that every tag of a sim at every sample reaches InfluxDB with the
promised measurement, tags and fields, and matches the API; that the
history API answers the same from InfluxDB as from SQLite for the same
(deterministic) run; that downsampling (mean, and min/max with agg=minmax)
matches a direct computation here; that history.csv reads back to the same
values; that an outage of influxd spanning ~50 s of simulated time, with an
engine restart in the middle, loses no point and stores none twice; and that
an unreachable or misspelt historian at start-up gives a clear message."""
import csv
import io
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from harness import BIN, Engine, Influxd, Redis, free_port, wait_for  # noqa: E402

DB = "pde_it"
# A dynamic run: values change at every sample, the same from run to run.
SPEC = dict(time_scale=50, duration=20, sample_time=0.5, inputs={"F": 0.7})
N_SAMPLES = 41          # 0, 0.5, ..., 20


def series_points(influx, sim):
    """{tag: [(sim_time, value, kind, model, time_ns), ...]} straight from
    InfluxDB, in sim_time order."""
    ans = influx.query(f"SELECT * FROM pde WHERE sim = '{sim}'", db=DB)
    out = {}
    for result in ans["results"]:
        assert "error" not in result, result
        for s in result.get("series", []):
            cols = s["columns"]
            for row in s["values"]:
                r = dict(zip(cols, row))
                out.setdefault(r["tag"], []).append(
                    (r["sim_time"], r["value"], r["kind"], r["model"], r["time"]))
    for v in out.values():
        v.sort()
    return out


def buckets(points, n, minmax=False):
    """hist.h's downsampling, computed independently."""
    if len(points) <= n:
        return [[t, v, v, v] if minmax else [t, v] for t, v in points]
    first, last = points[0][0], points[-1][0]
    w = (last - first) / n
    groups = {}
    for t, v in points:
        k = int(math.floor((t - first) / w)) if w > 0 else 0
        k = min(max(k, 0), n - 1)
        groups.setdefault(k, []).append((t, v))
    out = []
    for k in sorted(groups):
        ts = [t for t, _ in groups[k]]
        vs = [v for _, v in groups[k] if v is not None]
        p = [sum(ts) / len(ts), sum(vs) / len(vs) if vs else None]
        if minmax:
            p += [min(vs) if vs else None, max(vs) if vs else None]
        out.append(p)
    return out


def close(a, b):
    """Equal to the 15 significant digits the JSON answers carry."""
    return a == b or (a is not None and b is not None and
                      math.isclose(a, b, rel_tol=1e-14, abs_tol=1e-300))


def same_points(test, raw, api, what=""):
    test.assertEqual(len(raw), len(api), what)
    for (t, v), (ta, va) in zip(raw, api):
        test.assertTrue(close(t, ta) and close(v, va), (what, t, v, ta, va))


def get_text(engine, path):
    with urllib.request.urlopen(engine.base + path, timeout=30) as r:
        assert r.headers.get("Content-Type", "").startswith("text/csv"), r.headers
        return r.status, r.read().decode()


class InfluxHistorianTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="pde-influx-it-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        cls.influx = Influxd(cls.tmp)
        cls.addClassCleanup(cls.influx.stop)
        cls.redises = {}
        cls.url = f"influx://127.0.0.1:{cls.influx.port}/{DB}"
        cls.e = cls.start_engine("influx", cls.url)
        cls.sq = cls.start_engine("sqlite", "sqlite")

    @classmethod
    def start_engine(cls, name, historian, workers=1):
        """An engine with a Redis of its own (engines sharing one would
        share the samples); the same name again reuses both's data."""
        tmp = os.path.join(cls.tmp, name)
        os.makedirs(tmp, exist_ok=True)
        if name not in cls.redises:
            cls.redises[name] = Redis(tmp)
            cls.addClassCleanup(cls.redises[name].stop)
        e = Engine(tmp, cls.redises[name].url, workers=workers,
                   extra=("--historian", historian))
        cls.addClassCleanup(e.kill_group)
        return e

    def run_sim(self, engine, model="spring-damper", **spec):
        sim = engine.start(model, **(spec or SPEC))
        engine.wait_status(sim, "finished", timeout=30)
        return sim

    def history(self, engine, sim, query=""):
        status, body = engine.get(f"/api/sims/{sim}/history{query}")
        self.assertEqual(status, 200, body)
        return body["tags"]

    # ----------------------------------------------------------------
    def test_every_tag_of_every_sample_reaches_influx(self):
        sim = self.run_sim(self.e)
        api = self.history(self.e, sim)       # waits for delivery
        got = series_points(self.influx, sim)
        self.assertEqual(set(got), {"F", "x", "v"})
        kinds = {"F": "input", "x": "output", "v": "output"}
        for tag, rows in got.items():
            self.assertEqual(len(rows), N_SAMPLES, tag)
            self.assertEqual([r[0] for r in rows], [k * 0.5 for k in range(N_SAMPLES)])
            self.assertTrue(all(r[2] == kinds[tag] and r[3] == "spring-damper" for r in rows))
            same_points(self, [(r[0], r[1]) for r in rows], api[tag], tag)
            # Wall-clock ns timestamps, in sample order.
            times = [r[4] for r in rows]
            self.assertEqual(times, sorted(times))
            self.assertLess(abs(times[-1] / 1e9 - time.time()), 120)
        status, h = self.e.get("/api/historian")
        self.assertEqual(status, 200)
        self.assertEqual(h["backend"], "influx")
        self.assertIn(str(self.influx.port), h["target"])
        self.assertGreaterEqual(h["points_written"], N_SAMPLES * 3)
        self.assertEqual(h["points_dropped"], 0)
        self.assertIsNone(h["last_error"])
        for k in ("points_buffered", "points_journaled", "write_rate"):
            self.assertIn(k, h)

    def test_same_answers_from_both_backends(self):
        a = self.run_sim(self.e)
        b = self.run_sim(self.sq)
        for q in ("", "?tags=x,v", "?max_points=7", "?max_points=6&agg=minmax",
                  "?from=3.25&to=11&tags=x", "?from=30", "?tags=v&max_points=1000"):
            ha, hb = self.history(self.e, a, q), self.history(self.sq, b, q)
            self.assertEqual(ha, hb, q)
        self.assertEqual(self.sq.get("/api/historian")[1]["backend"], "sqlite")

    def test_downsampling_matches_direct_computation(self):
        sim = self.run_sim(self.e)
        full = self.history(self.e, sim)
        for n in (1, 3, 7, 10, 40):
            ds = self.history(self.e, sim, f"?max_points={n}")
            mm = self.history(self.e, sim, f"?max_points={n}&agg=minmax")
            for tag, pts in full.items():
                exp = buckets([tuple(p) for p in pts], n)
                self.assertEqual(len(ds[tag]), len(exp))
                for got, want in zip(ds[tag], exp):
                    self.assertAlmostEqual(got[0], want[0], places=9)
                    self.assertAlmostEqual(got[1], want[1], places=9)
                exp = buckets([tuple(p) for p in pts], n, minmax=True)
                for got, want in zip(mm[tag], exp):
                    self.assertEqual(len(got), 4)
                    for g, w in zip(got, want):
                        self.assertAlmostEqual(g, w, places=9)
        status, err = self.e.get(f"/api/sims/{sim}/history?agg=median")
        self.assertEqual(status, 400)

    def test_csv_reads_back_to_the_same_values(self):
        sim = self.run_sim(self.e)
        for q in ("", "?max_points=9", "?tags=v,x&from=2&to=8"):
            full = self.history(self.e, sim, q)
            status, text = get_text(self.e, f"/api/sims/{sim}/history.csv{q}")
            self.assertEqual(status, 200)
            rows = list(csv.reader(io.StringIO(text)))
            self.assertEqual(rows[0][:2], ["time", "sim_time"])
            tags = rows[0][2:]
            self.assertEqual(sorted(tags), sorted(full))
            self.assertEqual(len(rows) - 1, len(full[tags[0]]))
            for i, row in enumerate(rows[1:]):
                self.assertRegex(row[0], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$")
                for j, tag in enumerate(tags):
                    t, v = full[tag][i]
                    self.assertEqual(float(row[1]), t)
                    self.assertEqual(float(row[2 + j]), v)

    def test_outage_and_engine_restart_lose_nothing(self):
        # 60 s of simulated time at 10x: influxd is down from t ~ 10 s to
        # the end, the engine restarts while it is down, then influxd
        # comes back and every point arrives once.
        spec = dict(time_scale=10, duration=60, sample_time=0.5, inputs={"F": 0.3})
        engine = self.start_engine("outage", self.url)
        sim = engine.start("spring-damper", **spec)
        wait_for(lambda: engine.sim(sim)["t"] >= 8, timeout=20, what="t >= 8")
        self.influx.stop()
        try:
            rec = engine.wait_status(sim, "finished", timeout=30)
            self.assertEqual(rec["t"], 60)
            h = wait_for(lambda: (lambda h: h["points_journaled"] > 0 and h["last_error"]
                                  and h)(engine.get("/api/historian")[1]),
                         timeout=10, what="points journaled while influxd is down")
            self.assertIn("unreachable", h["last_error"])
            self.assertEqual(h["points_dropped"], 0)
            status, err = engine.get(f"/api/sims/{sim}/history")
            self.assertEqual(status, 503, err)
            self.assertIn("unreachable", err["error"])
            self.assertEqual(engine.stop(), 0)
            engine = self.start_engine("outage", self.url, workers=0)
            h = engine.get("/api/historian")[1]
            self.assertGreater(h["points_journaled"], 0, h)
        finally:
            self.influx.start()
        wait_for(lambda: engine.get("/api/historian")[1]["points_journaled"] == 0,
                 timeout=30, what="the journal to drain into influxd")
        got = series_points(self.influx, sim)
        n = 121
        self.assertEqual(set(got), {"F", "x", "v"})
        for tag, rows in got.items():
            times = [r[0] for r in rows]
            self.assertEqual(times, [k * 0.5 for k in range(n)], tag)   # all, once
        api = self.history(engine, sim)
        for tag in got:
            same_points(self, [(r[0], r[1]) for r in got[tag]], api[tag], tag)
        self.assertIsNone(engine.get("/api/historian")[1]["last_error"])
        self.assertEqual(engine.stop(), 0)

    def test_unreachable_or_misspelt_historian_at_start(self):
        port = free_port()
        e = self.start_engine("unreachable", f"influx://127.0.0.1:{port}/x", workers=0)
        h = e.get("/api/historian")[1]
        self.assertEqual(h["backend"], "influx")
        self.assertIn("unreachable", h["last_error"])
        self.assertEqual(e.stop(), 0)
        with open(e.log_path) as f:
            log = f.read()
        self.assertIn(f"InfluxDB at http://127.0.0.1:{port}", log)
        self.assertIn("unreachable", log)
        self.assertNotIn("AddressSanitizer", log)
        for bad in ("influx://", "influx://host:99999/db", "influx://h:1/bad name"):
            out = os.path.join(self.tmp, "bad.log")
            with open(out, "w") as f:
                rc = subprocess.call([os.path.join(BIN, "pde-engine"), "--listen",
                                      f"127.0.0.1:{free_port()}", "--data-dir",
                                      os.path.join(self.tmp, "bad"), "--workers", "0",
                                      "--redis", self.redises["unreachable"].url,
                                      "--historian", bad],
                                     stdout=f, stderr=subprocess.STDOUT, timeout=30)
            with open(out) as f:
                text = f.read()
            self.assertEqual(rc, 1, text)
            self.assertIn("historian", text)
            self.assertNotIn("Sanitizer", text)


if __name__ == "__main__":
    unittest.main(verbosity=2)
