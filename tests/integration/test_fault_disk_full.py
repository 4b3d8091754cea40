"""Fault: disk full under the historian (issue 6, fault 5).

The engine's data directory (where the SQLite historian keeps
historian.db and its WAL) is a small tmpfs of its own. While sims run, the
test fills it to the last byte, so SQLite's writes fail with ENOSPC
("database or disk is full"), the real error path. Meanwhile the engine
keeps serving (reads, starts, writes, history queries), reports the
historian's error in /api/historian and /api/status, and keeps every
unwritten point buffered (up to HIST_MAX_BUFFERED, 2,000,000 points; none
dropped here; beyond it new points are dropped and counted in
points_dropped). The outage is logged once when it starts and once when it
ends. Once space is freed, the writer's retry stores them all: each sim's
history then holds every sample exactly once, with no gap. (pde:out entries
are acknowledged only once their points are committed, so an engine killed
during the outage would read them again.)

Mounting needs root with CAP_SYS_ADMIN; without it the test is skipped
with the reason."""
import errno
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Engine, Redis, wait_for  # noqa: E402
from faults import gaps_and_duplicates, history_times, log_lines  # noqa: E402

TMPFS_SIZE = "32m"
FULL_FOR_S = 8


def fill(path):
    """Write zeros to path until the file system is full; returns bytes."""
    n = 0
    chunk = b"\0" * 65536
    with open(path, "wb", buffering=0) as f:
        while True:
            try:
                n += f.write(chunk)
            except OSError as e:
                if e.errno != errno.ENOSPC:
                    raise
                if len(chunk) == 1:
                    break
                chunk = chunk[:len(chunk) // 2]
    return n


class DiskFullTest(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.mkdtemp(prefix="pde-it-")
        self.addCleanup(shutil.rmtree, tmp, True)
        self.data = os.path.join(tmp, "data")
        os.makedirs(self.data)
        out = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE},mode=0755",
                              "pde-it-full", self.data], capture_output=True, text=True)
        if out.returncode != 0:
            self.skipTest("cannot mount a tmpfs for the data directory (needs root with "
                          f"CAP_SYS_ADMIN): {out.stderr.strip()}")
        self.addCleanup(self.unmount)
        self.redis = Redis(tmp)
        self.addCleanup(self.redis.stop)
        self.e = Engine(tmp, self.redis.url, workers=1)
        self.addCleanup(self.e.kill_group)

    def unmount(self):
        if subprocess.run(["umount", self.data], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", self.data], capture_output=True)

    def historian(self):
        status, body = self.e.get("/api/historian")
        self.assertEqual(status, 200, body)
        return body

    def test_disk_full_then_freed_loses_nothing(self):
        e = self.e
        sims = [e.start("spring-damper", time_scale=20, duration=100000) for _ in range(4)]
        for s in sims:
            e.wait_status(s, "running")
        wait_for(lambda: self.historian()["points_written"] > 0, what="points written")

        filler = os.path.join(self.data, "filler")
        filled = fill(filler)
        t_full = time.monotonic()
        h = wait_for(lambda: (lambda h: h if h["last_error"] else None)(self.historian()),
                     timeout=20, what="the historian to report its error")
        t_seen = time.monotonic() - t_full
        self.assertIn("full", h["last_error"])
        status, body = e.get("/api/status")
        self.assertEqual(status, 200)
        self.assertIn("full", body["historian"]["last_error"])
        error_text = body["historian"]["last_error"]

        # The engine keeps serving while nothing can be stored.
        before = {s: e.sim(s)["t"] for s in sims}
        new = e.start("spring-damper", time_scale=20, duration=100000)
        sims.append(new)
        e.wait_status(new, "running")
        status, tv = e.post(f"/api/sims/{sims[0]}/F", {"value": 1.5})
        self.assertEqual((status, tv.get("value")), (200, 1.5), tv)
        t0 = time.monotonic()
        status, body = e.get(f"/api/sims/{sims[0]}/history?tags=x")
        self.assertEqual(status, 200, body)
        self.assertLess(time.monotonic() - t0, 10)
        wait_for(lambda: all(e.sim(s)["t"] > before[s] + 20 for s in sims[:-1]), timeout=20,
                 what="the sims to run on")
        time.sleep(max(0.0, FULL_FOR_S - (time.monotonic() - t_full)))
        h = self.historian()
        self.assertTrue(h["last_error"], h)
        self.assertGreater(h["points_buffered"], 0, h)
        self.assertEqual(h["points_dropped"], 0, h)
        buffered = h["points_buffered"]

        # Space again: every buffered point is stored.
        os.unlink(filler)
        t_free = time.monotonic()
        wait_for(lambda: (lambda h: not h["last_error"] and h["points_buffered"] < buffered)(
                     self.historian()), timeout=30, what="the historian to write again")
        t_caught_up = time.monotonic() - t_free
        for s in sims:
            status, rec = e.delete(f"/api/sims/{s}")
            self.assertEqual(status, 200, rec)
        ends = {s: e.sim(s)["t"] for s in sims}
        for s in sims:
            times = wait_for(lambda: (lambda ts: ts if ts and max(ts) >= ends[s] else None)(
                                 history_times(e, s, "x")),
                             timeout=20, what=f"history of {s} up to {ends[s]}")
            missing, dup = gaps_and_duplicates(times, 1.0)
            self.assertEqual((missing[:10], dup[:10]), ([], []), f"sim {s}")
        h = self.historian()
        self.assertEqual((h["points_dropped"], h["last_error"]), (0, None), h)
        self.assertEqual(e.stop(), 0)
        # Logged when it began and when it ended, not at every retry.
        self.assertEqual(len(log_lines(e.log_path, "historian: write failed")), 1,
                         log_lines(e.log_path, "historian"))
        self.assertEqual(len(log_lines(e.log_path, "historian: writing again")), 1,
                         log_lines(e.log_path, "historian"))
        sys.stderr.write(f"\n  [disk full] filled {filled} bytes; error reported after "
                         f"{t_seen:.1f} s; {buffered} points buffered after "
                         f"{FULL_FOR_S} s full; stored {t_caught_up:.1f} s after space "
                         f"was freed; error text: {error_text!r}\n")


if __name__ == "__main__":
    unittest.main(verbosity=2)
