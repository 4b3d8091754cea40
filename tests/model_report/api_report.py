"""make model-report (part 1): steady states and step responses of every
model, measured from a running engine through the public API, the way a
user would: start a sim, let it settle, step one input with
POST /api/sims/{id}/{tag}, and read the response back from the historian.

Starts its own redis-server and pde-engine (tests/integration/harness.py).
Prints Markdown. Figures: gain = change of the output / size of the step;
dead time = time after the step until the output has moved 0.01 % of its
final change; tau = time to 63.2 % less the dead time; settling = last time
outside +-2 % of the final change. Times in the model's report are seconds."""
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../integration"))
os.environ.setdefault("PDE_BIN", os.path.join(os.path.dirname(__file__), "../../build/bin"))
from harness import Engine, Redis, wait_for  # noqa: E402

# Simulated seconds to watch after the step, per model (several time
# constants), and the wall time a run may take.
HORIZON_S = {"wood-berry": 9000, "wood-berry-data": 9000, "column-a": 30000,
             "spring-damper": 600, "cstr": 600, "ethylene-oxidation": 60,
             "quadruple-tank": 3000}
# Start parameters that put a model at rest (the spring-damper's default
# start is a free oscillation).
START_PARAMS = {"spring-damper": {"v0": 0}}
WALL_S = 8.0
SETTLE_FRACTION = 0.25  # step after this share of the run
STEP_FRACTION = 0.01    # step size: 1 % of the input's range


def figures(points, t_step, y0):
    after = [(t - t_step, y - y0) for t, y in points if t >= t_step]
    if not after:
        return None
    final = after[-1][1]
    if abs(final) < 1e-12:
        return final, float("nan"), float("nan"), float("nan")
    dead = next((t for t, d in after if abs(d) >= 1e-4 * abs(final)), float("nan"))
    t63 = next((t for t, d in after if d / final >= 0.632), float("nan"))
    settle = max((t for t, d in after if abs(d - final) > 0.02 * abs(final)), default=0.0)
    return final, dead, t63 - dead, settle


def report_model(engine, model):
    mid = model["id"]
    horizon = HORIZON_S.get(mid, 3600)
    duration = horizon / (1 - SETTLE_FRACTION)
    scale = duration / WALL_S
    inputs = [t for t in model["tags"] if t["kind"] == "input" and "." not in t["name"]]
    outputs = [t for t in model["tags"] if t["kind"] == "output"][:6]
    sample = max(duration / 2000, 0.01)
    runs = []
    params = START_PARAMS.get(mid, {})
    for tag in inputs:
        sim = engine.start(mid, time_scale=scale, duration=duration, sample_time=sample,
                           params=params)
        runs.append((tag, sim))
    steady = None
    lines = []
    steps = []
    # The runs go side by side: step each as soon as it has settled.
    for tag, sim in runs:
        wait_for(lambda: engine.sim(sim)["t"] >= SETTLE_FRACTION * duration, timeout=60,
                 what=f"{mid} to settle")
        before = {v["tag"]: v["value"] for v in engine.get(f"/api/sims/{sim}/all")[1]["tags"]}
        steady = steady or before
        step = STEP_FRACTION * (tag["max"] - tag["min"])
        value = before[tag["name"]] + step
        if value > tag["max"]:
            step, value = -step, before[tag["name"]] - step
        status, ack = engine.post(f"/api/sims/{sim}/{tag['name']}", {"value": value})
        if status != 200:
            lines.append(f"| {tag['name']} | {step:+.4g} | (refused: {ack.get('error')}) | | | | |")
            continue
        steps.append((tag, sim, step, ack, before))
    for tag, sim, step, ack, before in steps:
        engine.wait_status(sim, "finished", "failed", timeout=120)
        names = ",".join(o["name"] for o in outputs)
        hist = engine.get(f"/api/sims/{sim}/history?tags={names}")[1]["tags"]
        for o in outputs:
            f = figures(hist[o["name"]], ack["t"], before[o["name"]])
            if f is None or before[o["name"]] is None:
                continue
            gain, dead, tau, settle = f
            lines.append(f"| {tag['name']} | {step:+.4g} {tag['unit']} | {o['name']} ({o['unit']}) "
                         f"| {gain / step:.4g} | {dead:.4g} | {tau:.4g} | {settle:.4g} |")
    print(f"\n## {mid}: {model['title']}\n")
    print("Steady state at start (through GET /api/sims/{id}/all):\n")
    print("| tag | value | unit |\n|---|---|---|")
    for t in model["tags"]:
        print(f"| {t['name']} | {steady[t['name']]:.6g} | {t['unit']} |" if steady
              and steady.get(t["name"]) is not None else f"| {t['name']} | | {t['unit']} |")
    print("\nStep responses (times in simulated seconds after the step):\n")
    print("| input | step | output | gain | dead time | tau | settling |\n|---|---|---|---|---|---|---|")
    print("\n".join(lines))
    sys.stdout.flush()


def main():
    tmp = tempfile.mkdtemp(prefix="pde-report-")
    redis = Redis(tmp)
    engine = Engine(tmp, redis.url, workers=os.cpu_count())
    try:
        started = time.monotonic()
        print("# pde model report (through the API)")
        for model in engine.get("/api/models/")[1]:
            report_model(engine, model)
        print(f"\n(made in {time.monotonic() - started:.0f} s)")
    finally:
        engine.stop()
        redis.stop()
        shutil.rmtree(tmp, True)


if __name__ == "__main__":
    main()
