#!/usr/bin/env python3
"""Soak (issue 6): many simulations at a high time scale for a long time,
with a worker killed (SIGKILL) at random every minute.

  bench_soak.py [--minutes 30] [--sims 500] [--time-scale 100]
                [--kill-every 60] [--sample-time 10]

One engine (its private Redis, SQLite historian, three local workers that
it restarts when they die) runs --sims sims of the light models in turn. At
the end it reports:
  - simulations lost: not running any more (must be 0);
  - points lost or repeated: for every sim and tag, the historian must hold
    exactly one point at every sample time from 0 to the last one
    (must be 0 and 0);
  - RSS (VmRSS now, VmHWM peak) of the engine, of redis-server and of each
    worker at the start and at the end.
Environment: PDE_BIN (default build/bin)."""
import argparse
import os
import random
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../tests/integration"))
from harness import Cleanups, Stack, wait_for  # noqa: E402

MODELS = ["spring-damper", "wood-berry", "quadruple-tank", "cstr", "ethylene-oxidation"]


def rss_kb(pid):
    """(VmRSS, VmHWM) in kB, or None if the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
        return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])
    except (OSError, KeyError):
        return None


def memory(e):
    rows = {"engine": rss_kb(e.proc.pid)}
    try:
        rows["redis-server"] = rss_kb(e.private_redis()[1])
    except (OSError, ValueError, IndexError):
        pass
    # Workers are killed and replaced: the largest live one stands for them.
    workers = [m for m in (rss_kb(pid) for pid in e.worker_pids()) if m]
    if workers:
        rows["largest worker"] = (max(w[0] for w in workers), max(w[1] for w in workers))
    return rows


def check_history(e, sim, sample_time):
    """(points missing, points repeated) over every tag of sim."""
    body = e.get(f"/api/sims/{sim}/history?max_points=0")[1]
    missing = repeated = 0
    for tag, points in body["tags"].items():
        times = [t for t, *_ in points]
        repeated += len(times) - len(set(times))
        if not times:
            continue
        last = round(max(times) / sample_time)
        have = {round(t / sample_time) for t in times}
        missing += sum(1 for k in range(last + 1) if k not in have)
    return missing, repeated


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--sims", type=int, default=500)
    ap.add_argument("--time-scale", type=float, default=100)
    ap.add_argument("--kill-every", type=float, default=60)
    ap.add_argument("--sample-time", type=float, default=10)
    args = ap.parse_args()
    b = Cleanups()
    try:
        stack = Stack(b, workers=3, private_redis=True)
        e = stack.engine
        wait_for(lambda: len(e.worker_pids()) == 3, what="three workers")
        # None may end during the run, its start-up and its settling.
        duration = args.time_scale * (args.minutes * 60 + 120) * 2
        sims = [e.start(MODELS[i % len(MODELS)], time_scale=args.time_scale,
                        duration=duration, sample_time=args.sample_time)
                for i in range(args.sims)]
        wait_for(lambda: all(s["status"] == "running" for s in e.get("/api/sims/all")[1]),
                 timeout=60, what="every sim to run")
        time.sleep(5)
        mem_start = memory(e)
        start = time.monotonic()
        kills = 0
        next_kill = start + args.kill_every
        while time.monotonic() - start < args.minutes * 60:
            time.sleep(1)
            if time.monotonic() >= next_kill:
                pids = e.worker_pids()
                if pids:
                    os.kill(random.choice(pids), signal.SIGKILL)
                    kills += 1
                next_kill += args.kill_every
        # Let the last moved sims settle, then look.
        time.sleep(15)
        mem_end = memory(e)
        records = e.get("/api/sims/all")[1]
        lost = [r["sim_id"] for r in records if r["status"] != "running"]
        for r in records:
            if r["status"] != "running":
                print(f"lost: {r}", file=sys.stderr)
        status = e.get("/api/status")[1]
        # Freeze the runs so the history is complete up to where they stop.
        for s in sims:
            e.delete(f"/api/sims/{s}")
        time.sleep(3)
        missing = repeated = 0
        for s in sims:
            m, r = check_history(e, s, args.sample_time)
            missing += m
            repeated += r
        t_min = min(r["t"] for r in records)
        print(f"| soak: {args.sims} sims at time scale {args.time_scale:g}, "
              f"{args.minutes:g} min, a worker SIGKILLed every {args.kill_every:g} s | |")
        print("| --- | --- |")
        print(f"| workers killed | {kills} |")
        print(f"| simulations lost | {len(lost)} {lost[:5] if lost else ''} |")
        print(f"| points missing / repeated in the historian | {missing} / {repeated} |")
        print(f"| simulated time reached (slowest sim) | {t_min:,.0f} s |")
        print(f"| samples taken / fenced | {status['samples']['samples_in']:,} / "
              f"{status['samples'].get('samples_fenced', 0):,} |")
        print()
        print("| process | RSS at start (kB) | RSS at end (kB) | peak (VmHWM, kB) |")
        print("| --- | --- | --- | --- |")
        for name in sorted(set(mem_start) | set(mem_end)):
            s, t = mem_start.get(name), mem_end.get(name)
            print(f"| {name} | {s[0] if s else 'gone'} | {t[0] if t else 'gone'} | "
                  f"{max(x[1] for x in (s, t) if x) if (s or t) else '-'} |")
        # A clean stop also stops the private Redis (a SIGKILL would not).
        e.stop()
    finally:
        b.close()


if __name__ == "__main__":
    main()
