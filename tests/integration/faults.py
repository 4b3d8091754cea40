"""Helpers shared by the fault tests (test_fault_*.py): a Redis that can be
killed, restarted on the same port with the same append-only file, or
frozen with SIGSTOP; history checks; log counting. Builds on harness.py."""
import os
import re
import signal
import subprocess

from harness import Redis, free_port, wait_for


class PersistentRedis(Redis):
    """A redis-server with an append-only file fsynced on every write, so a
    SIGKILL loses nothing it acknowledged; restart() brings it back on the
    same port with the same files; pause() freezes it (SIGSTOP)."""

    def __init__(self, tmp):  # pylint: disable=super-init-not-called
        self.port = free_port()
        self.dir = os.path.join(tmp, "redis")
        os.makedirs(self.dir, exist_ok=True)
        self.url = f"redis://127.0.0.1:{self.port}"
        self.paused = False
        self.restart()

    def restart(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", self.dir, "--save", "", "--appendonly", "yes",
             "--appendfsync", "always", "--logfile", os.path.join(self.dir, "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        wait_for(self.ping, timeout=20, what="redis-server to start")

    def kill(self):
        self.resume()
        self.proc.kill()
        self.proc.wait(10)

    def pause(self):
        os.kill(self.proc.pid, signal.SIGSTOP)
        self.paused = True

    def resume(self):
        if self.paused and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGCONT)
        self.paused = False

    def stop(self):
        self.resume()
        super().stop()


def history_times(engine, sim, tag):
    """The simulated times of every stored point of one tag."""
    status, body = engine.get(f"/api/sims/{sim}/history?tags={tag}")
    assert status == 200, (status, body)
    return [p[0] for p in body["tags"][tag]]


def gaps_and_duplicates(times, sample_time):
    """(missing sample times, duplicated ones) in a history that should hold
    every k * sample_time from 0 to its last point."""
    seen = {}
    for t in times:
        k = round(t / sample_time)
        seen[k] = seen.get(k, 0) + 1
    last = max(seen) if seen else -1
    missing = [k * sample_time for k in range(0, last + 1) if k not in seen]
    dup = [k * sample_time for k, n in seen.items() if n > 1]
    return missing, dup


def log_lines(path, pattern):
    with open(path, errors="replace") as f:
        return [line.rstrip("\n") for line in f if re.search(pattern, line)]
