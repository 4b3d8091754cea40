"""Historian throughput: points/s the writer sustains into SQLite and into
InfluxDB (through its journal, counted when InfluxDB acknowledged them),
against InfluxDB's own ceiling measured in the same run by a plain
line-protocol loader (bench_historian.c says how).

Builds bench_historian.c against build/ (run `make` first), starts a private
influxd on free loopback ports (tests/integration/harness.py, Influxd) and
prints the figures. Usage: bench_historian.py [N_POINTS [N_SIMS]]
(default 1,000,000 points from 1,000 sims x 5 tags)."""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests/integration"))
from harness import Influxd  # noqa: E402

BUILD = os.environ.get("PDE_BUILD", os.path.join(ROOT, "build"))


def build(tmp):
    exe = os.path.join(tmp, "bench_historian")
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "sqlite3", "libcurl", "jansson"],
                           capture_output=True, text=True, check=True).stdout.split()
    subprocess.run(["cc", "-O2", "-std=c11", "-D_GNU_SOURCE", "-I", os.path.join(ROOT, "src"),
                    os.path.join(HERE, "bench_historian.c"), "-o", exe,
                    os.path.join(BUILD, "libpde_hist.a"), os.path.join(BUILD, "libpde_common.a"),
                    *flags, "-lpthread", "-lm"], check=True)
    return exe


def main():
    args = sys.argv[1:3]
    tmp = tempfile.mkdtemp(prefix="pde-bench-hist-")
    influx = None
    try:
        exe = build(tmp)
        influx = Influxd(tmp)
        data = os.path.join(tmp, "data")
        os.makedirs(data)
        subprocess.run([exe, data, str(influx.port), *args], check=True)
    finally:
        if influx:
            influx.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
