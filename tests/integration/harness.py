"""Start real processes for integration tests: a redis-server on a free port
in a temporary directory, pde-engine (which starts its pde-workers), extra
workers by hand; and talk to the engine over HTTP.

Only the Python standard library is used. Every process started here is
stopped in stop(), and a test that fails still stops them (unittest
cleanups)."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

BIN = os.environ.get("PDE_BIN", os.path.join(os.path.dirname(__file__), "../../build/bin"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout=10.0, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what} (last: {last!r})")


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); look at its state.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


class Redis:
    def __init__(self, tmp):
        self.port = free_port()
        self.dir = os.path.join(tmp, "redis")
        os.makedirs(self.dir, exist_ok=True)
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", self.dir, "--save", "", "--appendonly", "no",
             "--logfile", os.path.join(self.dir, "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self.ping, what="redis-server")
        self.url = f"redis://127.0.0.1:{self.port}"

    def command(self, *args):
        """One Redis command through redis-cli; returns its raw output."""
        out = subprocess.run(["redis-cli", "-p", str(self.port), *map(str, args)],
                             capture_output=True, text=True, timeout=10)
        return out.stdout.strip()

    def ping(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


class Engine:
    """pde-engine with its data in tmp; redis_url None = its private Redis."""

    def __init__(self, tmp, redis_url=None, workers=1, extra=(), env=None, port=None,
                 token=None):
        self.token = token      # sent with every request when set
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.data_dir = os.path.join(tmp, "data")
        self.log_path = os.path.join(tmp, f"engine-{self.port}.log")
        args = [os.path.join(BIN, "pde-engine"), "--listen", f"127.0.0.1:{self.port}",
                "--data-dir", self.data_dir, "--workers", str(workers), *extra]
        if redis_url:
            args += ["--redis", redis_url]
        self.log = open(self.log_path, "w")
        full_env = dict(os.environ, **(env or {}))
        # Its own session, so the test can stop the engine and its workers
        # as one group whatever happens.
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True, env=full_env)
        try:
            wait_for(self.ready, timeout=20, what="pde-engine to answer")
        except BaseException:
            self.kill_group()   # no cleanup is registered for it yet
            raise

    def private_redis(self):
        """(port, pid) of the engine's private redis-server, from the file
        it keeps them in (<data-dir>/redis.port: "port pid")."""
        with open(os.path.join(self.data_dir, "redis.port")) as f:
            port, pid = map(int, f.read().split())
        return port, pid

    def ready(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"pde-engine exited with {self.proc.returncode}:\n"
                                 + open(self.log_path).read())
        try:
            # Answering, connected to its Redis (else a start is refused
            # with 503) and with a worker up if it runs any.
            status, body = self.get("/api/status")
            if status != 200 or not body["engine"]["redis_up"]:
                return False
            workers = body["local_workers"]
            return not workers or any(w["alive"] for w in workers)
        except OSError:
            return False

    def request(self, method, path, body=None, raw=None, headers=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        headers = dict(headers or {})
        if self.token:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers=headers)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=15) as r:
                text = r.read()
                ctype = r.headers.get("Content-Type")
                status = r.status
        except urllib.error.HTTPError as e:
            text = e.read()
            ctype = e.headers.get("Content-Type")
            status = e.code
        assert ctype and ctype.startswith("application/json"), (path, ctype, text[:200])
        return status, json.loads(text)

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, body=None, raw=None):
        return self.request("POST", path, body=body, raw=raw)

    def delete(self, path):
        return self.request("DELETE", path)

    def start(self, model, **spec):
        if spec:
            status, body = self.post(f"/api/models/{model}/start", spec)
        else:
            status, body = self.get(f"/api/models/{model}/start")
        assert status == 200, (status, body)
        return body["sim_id"]

    def sim(self, sim_id):
        status, body = self.get(f"/api/sims/{sim_id}")
        assert status == 200, (status, body)
        return body

    def wait_status(self, sim_id, *statuses, timeout=15):
        return wait_for(lambda: self.sim(sim_id)["status"] in statuses and self.sim(sim_id),
                        timeout=timeout, what=f"sim {sim_id} to be {statuses}")

    def worker_pids(self):
        status, body = self.get("/api/status")
        return [w["pid"] for w in body["local_workers"] if w["alive"]]

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Stop the engine; returns its exit code. SIGKILL leaves its
        workers and private Redis running, as a crash would."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
                raise AssertionError("pde-engine did not stop in time:\n"
                                     + open(self.log_path).read()[-3000:])
        self.log.close()
        if self.proc.returncode != 0:
            # Sanitizer reports and crashes are in the log: show them.
            sys.stderr.write(open(self.log_path).read()[-6000:])
        return self.proc.returncode

    def kill_group(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if self.proc.poll() is None:
            self.proc.wait()
        if not self.log.closed:
            self.log.close()


class Worker:
    """A pde-worker started by hand, as on another machine."""

    def __init__(self, tmp, redis_url, worker_id):
        self.log_path = os.path.join(tmp, f"worker-{worker_id}.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([os.path.join(BIN, "pde-worker"), "--redis", redis_url,
                                      "--id", worker_id],
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(15)
        self.log.close()
        return self.proc.returncode


class Stack:
    """A temporary directory, a Redis and an engine, stopped on cleanup."""

    def __init__(self, testcase, workers=1, private_redis=False, extra=(), token=None):
        self.tmp = tempfile.mkdtemp(prefix="pde-it-")
        testcase.addCleanup(shutil.rmtree, self.tmp, True)
        self.redis = None
        if not private_redis:
            self.redis = Redis(self.tmp)
            testcase.addCleanup(self.redis.stop)
        self.engine = Engine(self.tmp, self.redis.url if self.redis else None,
                             workers=workers, extra=extra, token=token)
        testcase.addCleanup(self.engine.kill_group)
        if private_redis:
            # It outlives a killed engine by design; a test that fails
            # before stopping the engine cleanly must not leave it behind.
            pid = self.engine.private_redis()[1]
            testcase.addCleanup(lambda: pid_alive(pid) and os.kill(pid, signal.SIGKILL))
        self.testcase = testcase

    def add_worker(self, worker_id):
        w = Worker(self.tmp, self.redis.url, worker_id)
        self.testcase.addCleanup(w.stop, signal.SIGKILL)
        return w


class Cleanups:
    """For scripts (benchmarks) that use a Stack outside unittest: collects
    what a TestCase would clean up, and does it on close()."""

    def __init__(self):
        self.cleanups = []

    def addCleanup(self, fn, *args):
        self.cleanups.append((fn, args))

    def close(self):
        for fn, args in reversed(self.cleanups):
            try:
                fn(*args)
            except Exception as e:  # keep cleaning
                print(f"cleanup: {e}", file=sys.stderr)


class SharedStackTest:
    """Mixin for a unittest.TestCase whose tests share one stack (a Redis,
    an engine with `workers` local workers), started once for the class."""
    workers = 1

    @classmethod
    def setUpClass(cls):
        cls.stack = Stack(cls, workers=cls.workers)
        cls.e = cls.stack.engine

    @classmethod
    def addCleanup(cls, fn, *args):  # the stack lives as long as the class
        cls.addClassCleanup(fn, *args)


class Influxd:
    """A private influxd (Debian's InfluxDB 1.x) with its data in tmp, bound
    to loopback on free ports (HTTP and the RPC/meta bind-address), usage
    reporting off and [ifql] off; never the system service on :8086.
    stop() and start() again keep its data and ports."""

    def __init__(self, tmp):
        self.dir = os.path.join(tmp, "influxd")
        os.makedirs(self.dir, exist_ok=True)
        self.port = free_port()
        self.rpc_port = free_port()
        self.conf = os.path.join(self.dir, "influxdb.conf")
        with open(self.conf, "w") as f:
            f.write(f"""reporting-enabled = false
bind-address = "127.0.0.1:{self.rpc_port}"
[meta]
  dir = "{self.dir}/meta"
[data]
  dir = "{self.dir}/data"
  wal-dir = "{self.dir}/wal"
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:{self.port}"
  log-enabled = false
  max-row-limit = 0
[ifql]
  enabled = false
[continuous_queries]
  enabled = false
[subscriber]
  enabled = false
""")
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = None
        self.start()

    def start(self):
        self.log = open(os.path.join(self.dir, "influxd.log"), "a")
        self.proc = subprocess.Popen(["influxd", "run", "-config", self.conf],
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        wait_for(self.ping, timeout=30, what="influxd to answer")

    def ping(self):
        if self.proc.poll() is not None:
            raise AssertionError("influxd exited:\n" + open(self.log.name).read()[-3000:])
        try:
            with urllib.request.urlopen(self.base + "/ping", timeout=1) as r:
                return r.status == 204
        except OSError:
            return False

    def query(self, q, db=None):
        """Run InfluxQL; returns the decoded answer (epoch ns times)."""
        params = {"q": q, "epoch": "ns"}
        if db:
            params["db"] = db
        data = urllib.parse.urlencode(params).encode()
        with urllib.request.urlopen(self.base + "/query", data=data, timeout=30) as r:
            return json.loads(r.read())

    def write(self, db, lines):
        req = urllib.request.Request(f"{self.base}/write?db={db}&precision=ns",
                                     data=lines.encode(), method="POST")
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.log.close()
