#!/usr/bin/env python3
"""Co-simulation over Redis streams (issue 7): how fast the spring-damper
split runs, against the floor a bare hiredis ping-pong sets.

Against a private redis-server (loopback, no persistence):
  1. bare ping-pong (bench_pingpong), the same with the demo's consumer
     groups and acknowledgements, then with each XACK and XADD in one
     MULTI/EXEC as pde sends them (still no work: the floors of the demo's
     protocol and of pde's), and one `pde pydsd` chain, measured in turns,
     ROUNDS times each: round trips/s vs cycles/s (one cycle = a velocity
     step and a position step = two Redis hops, as a round trip); then all
     of it again with the three processes (two parts or players, and Redis)
     held on one CPU;
  2. 1,000 chains on the same streams at once, each step of each chain in
     an entry of its own (the demo's format), then packed, 250 chains to an
     entry (src/cosim/pack.h): aggregate cycles/s (and part steps/s =
     2 x cycles), with Redis's CPU per cycle;
  3. spring-damper-split sims run by pde-engine on two workers at time
     scale "max": one alone, then 100 at once.

Prints a Markdown table. Environment: PDE_BIN (default build/bin).
--one-chain: only 1."""
import json
import os
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager

import redis

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../tests/integration"))
from harness import Cleanups, BIN, Redis, Stack, wait_for  # noqa: E402

# Many short alternating rounds rather than a few long ones: this machine's
# round trips swing by 20-30 % from second to second, and the median of
# alternating rounds compares both under the same conditions.
ROUNDS = 20
ONE_CHAIN_CYCLES = 3000
MANY_CHAINS, MANY_CYCLES = 1000, 400
PACKED_IN, PACKED_CYCLES = 4, 2000
KICK_OFF = '{"x":0,"v":1,"t":0.0}'


def redis_cpu(r):
    info = r.info("cpu")
    return info["used_cpu_user"] + info["used_cpu_sys"]


def kick_off(r, chains, entries):
    """Kick `chains` chains off: one demo entry each if entries is 0, else
    packed into that many entries (src/cosim/pack.h)."""
    pipe = r.pipeline(transaction=False)
    if not entries:
        for i in range(chains):
            pipe.xadd("positions", {"name": f"chain{i}", "in": KICK_OFF, "out": KICK_OFF})
    for e in range(entries):
        names = [f"chain{i}" for i in range(e, chains, entries)]
        states = struct.pack("<3d", 0.0, 1.0, 0.0) * len(names)
        pipe.xadd("positions", {"names": json.dumps(names), "ins": states, "outs": states})
    pipe.execute()


def run_chains(red, r, chains, cycles, packed_in=0):
    """Both parts as `pde pydsd`, `chains` chains kicked off at once (packed
    in packed_in entries, if not 0); returns (seconds from kick-off to both
    parts done, Redis CPU seconds)."""
    r.flushall()
    env = dict(os.environ, PDE_REDIS=red.url)
    args = ["--cycles", str(cycles), "--chains", str(chains)]
    parts = [subprocess.Popen([os.path.join(BIN, "pde"), "pydsd", role, *args], env=env,
                              stdout=subprocess.DEVNULL) for role in ("velocity", "position")]

    def groups_ready():
        try:
            return len(r.xinfo_groups("positions")) == 1 and len(r.xinfo_groups("velocities")) == 1
        except redis.ResponseError:
            return False
    wait_for(groups_ready, what="both parts")
    cpu0 = redis_cpu(r)
    start = time.monotonic()
    kick_off(r, chains, packed_in)
    # wait() without a timeout blocks in waitpid; with one, it polls every
    # 50 ms, which would quantise short runs. The timer only ends a hang.
    watchdog = threading.Timer(600, lambda: [p.kill() for p in parts])
    watchdog.start()
    try:
        codes = [p.wait() for p in parts]
    finally:
        watchdog.cancel()
    if codes != [0, 0]:
        raise SystemExit("pde pydsd failed")
    return time.monotonic() - start, redis_cpu(r) - cpu0


def ping_pong(red, round_trips, mode=None):
    """bench_pingpong's round trips/s; mode "--groups" or "--transactions"."""
    out = subprocess.run([os.path.join(BIN, "bench_pingpong"), "127.0.0.1", str(red.port),
                          str(round_trips), *([mode] if mode else [])],
                         capture_output=True, text=True, check=True)
    return float(out.stdout)


def split_sims(n, duration):
    """n spring-damper-split sims at time scale max on two workers; returns
    (seconds until all finished, cycles)."""
    b = Cleanups()
    try:
        stack = Stack(b, workers=2)
        e = stack.engine
        wait_for(lambda: len(e.get("/api/status")[1]["workers"]) == 2, what="two workers")
        start = time.monotonic()
        sims = [e.start("spring-damper-split", time_scale="max", duration=duration,
                        sample_time=duration) for _ in range(n)]
        wait_for(lambda: all(e.sim(s)["status"] == "finished" for s in sims),
                 timeout=600, interval=0.05, what="the sims to finish")
        return time.monotonic() - start, n * round(duration / 0.1)
    finally:
        b.close()


def spread(xs):
    """The median and the middle half of xs, as text."""
    q = statistics.quantiles(xs, n=4)
    return statistics.median(xs), f"middle half {q[0]:,.0f}-{q[2]:,.0f}"


@contextmanager
def on_one_cpu(red):
    """Redis, this process and so every process it starts on one CPU (the
    first this process may use), for the block's length."""
    allowed = os.sched_getaffinity(0)
    one = {min(allowed)}
    os.sched_setaffinity(red.proc.pid, one)
    os.sched_setaffinity(0, one)
    try:
        yield
    finally:
        os.sched_setaffinity(0, allowed)
        os.sched_setaffinity(red.proc.pid, allowed)


def one_chain_rows(red, r, where=""):
    """The ping-pong bare, in consumer groups, in transactions, and one
    chain, in turns; each ratio is taken round by round (the runs of a
    round share the machine's mood) and its median reported. `where` is
    added to each row's name."""
    runs = {
        "bare": ("bare hiredis ping-pong (round trips/s)",
                 lambda: ping_pong(red, ONE_CHAIN_CYCLES)),
        "groups": ("ping-pong in consumer groups, acknowledged (round trips/s)",
                   lambda: ping_pong(red, ONE_CHAIN_CYCLES, "--groups")),
        "transactions": ("the same, XACK and XADD in MULTI/EXEC as pde sends them "
                         "(round trips/s)",
                         lambda: ping_pong(red, ONE_CHAIN_CYCLES, "--transactions")),
        "chain": ("one chain, pde pydsd x 2 (cycles/s)",
                  lambda: ONE_CHAIN_CYCLES / run_chains(red, r, 1, ONE_CHAIN_CYCLES)[0]),
    }
    rates = {key: [] for key in runs}
    for i in range(ROUNDS):
        order = list(runs) if i % 2 else list(reversed(runs))   # no order favoured
        for key in order:
            rates[key].append(runs[key][1]())
    rows = []
    for key, (what, _) in runs.items():
        median, middle = spread(rates[key])
        rows.append((what + where, f"{median:,.0f}", middle))
    for what, num, den, note in (
            ("one chain / ping-pong", "chain", "bare", "target >= 90 %"),
            ("ping-pong in groups / bare", "groups", "bare", "the demo protocol's own cost"),
            ("ping-pong in transactions / bare", "transactions", "bare",
             "pde's exactly-once protocol, with no work"),
            ("one chain / ping-pong in transactions", "chain", "transactions",
             "what pde's work costs beyond its protocol")):
        median, middle = spread([100 * n / d for n, d in zip(rates[num], rates[den])])
        rows.append((what + where, f"{median:.0f} %", f"{note}; {middle} %"))
    return rows


def main():
    tmp = tempfile.mkdtemp(prefix="pde-bench-cosim-")
    red = Redis(tmp)
    r = redis.Redis(port=red.port)
    rows = []
    try:
        rows += one_chain_rows(red, r)
        with on_one_cpu(red):
            rows += one_chain_rows(red, r, ", all on one CPU")
        if "--one-chain" in sys.argv:
            many = ()
        else:
            many = ((0, MANY_CYCLES), (PACKED_IN, PACKED_CYCLES))
        for packed_in, n_cycles in many:
            secs, cpu = run_chains(red, r, MANY_CHAINS, n_cycles, packed_in)
            cycles = MANY_CHAINS * n_cycles
            how = f"packed in {packed_in} entries" if packed_in else "one demo entry per step"
            rows.append((f"{MANY_CHAINS:,} chains at once, {how} (cycles/s)",
                         f"{cycles / secs:,.0f}",
                         f"{2 * cycles / secs:,.0f} part steps/s; Redis CPU "
                         f"{1e6 * cpu / cycles:.2f} us per cycle; " +
                         ("target >= 200,000" if packed_in else
                          "unbatched, for comparison: the target is the packed row's")))
    finally:
        red.stop()
        shutil.rmtree(tmp, True)
    for n, duration in () if "--one-chain" in sys.argv else ((1, 2000.0), (100, 100.0)):
        secs, cycles = split_sims(n, duration)
        rows.append((f"spring-damper-split in pde, {n} sim(s) at time scale max (cycles/s)",
                     f"{cycles / secs:,.0f}", f"{cycles:,} cycles in {secs:.2f} s, "
                                              "start to finished"))
    print("| measure | value | notes |")
    print("| --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
