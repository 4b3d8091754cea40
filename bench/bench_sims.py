"""make bench: N simulations of each of the spring-damper and Wood-Berry at
time scale 1 (the engine's and workers' own costs; bench_models measures
the models' arithmetic, bench_cosim the split model).

Starts a real redis-server, pde-engine and its workers, starts N sims of
each, lets them run, and prints: sims held, CPU % of the engine and
of the workers, engine RSS, and the lag between a sample's due time (its
simulated time on the wall clock) and its arrival at the engine (p50, p99).
Usage: bench_sims.py [N ...] (default 100 1000)."""
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../tests/integration"))
os.environ.setdefault("PDE_BIN", os.path.join(os.path.dirname(__file__), "../build/bin"))
from harness import Engine, Redis, wait_for  # noqa: E402

WARMUP_S = 5
MEASURE_S = 15
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().split(")")[-1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def run(n, tmp):
    redis = Redis(tmp)
    # One client starts them all: lift the per-client and total limits.
    engine = Engine(tmp, redis.url, workers=os.cpu_count(),
                    extra=("--max-sims", "100000", "--max-sims-per-client", "100000"))
    try:
        models = ["spring-damper", "wood-berry"]
        t0 = time.monotonic()
        sims = [engine.start(m) for m in models for _ in range(n)]
        start_s = time.monotonic() - t0
        wait_for(lambda: engine.get("/api/status")[1]["sims"]["running"] == len(sims),
                 timeout=60, what="every sim running")
        time.sleep(WARMUP_S)
        workers = engine.worker_pids()
        pids = {"engine": engine.proc.pid, **{f"worker{i}": p for i, p in enumerate(workers)}}
        before = {k: cpu_seconds(p) for k, p in pids.items()}
        samples_before = engine.get("/api/status")[1]["samples"]["samples_in"]
        time.sleep(MEASURE_S)
        after = {k: cpu_seconds(p) for k, p in pids.items()}
        st = engine.get("/api/status")[1]
        cpu = {k: 100 * (after[k] - before[k]) / MEASURE_S for k in pids}
        lag = st["samples"].get("lag_ms", {})
        print(f"N={n} per model ({len(models)} models): {st['sims']['running']} sims held, "
              f"started in {start_s:.1f} s")
        print(f"  samples/s into the engine: "
              f"{(st['samples']['samples_in'] - samples_before) / MEASURE_S:.0f}")
        print(f"  engine CPU {cpu['engine']:.1f} %, RSS {rss_mb(engine.proc.pid):.1f} MB; "
              f"workers CPU " + ", ".join(f"{cpu[k]:.1f} %" for k in cpu if k != "engine"))
        print(f"  lag due->engine: p50 {lag.get('p50', float('nan')):.1f} ms, "
              f"p99 {lag.get('p99', float('nan')):.1f} ms, max {lag.get('max', float('nan')):.1f} ms")
        print(f"  historian: {st['historian']['points_written']} points written, "
              f"{st['historian']['points_buffered']} buffered")
        sys.stdout.flush()
    finally:
        engine.stop()
        redis.stop()


def main():
    sizes = [int(a) for a in sys.argv[1:]] or [100, 1000]
    for n in sizes:
        tmp = tempfile.mkdtemp(prefix="pde-bench-")
        try:
            run(n, tmp)
        finally:
            shutil.rmtree(tmp, True)


if __name__ == "__main__":
    main()
