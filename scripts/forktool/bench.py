"""
Benchmark the fork against pristine upstream, side by side, in one run.

Both trees are measured by child processes running `python` with the tree on
PYTHONPATH, over the Django project and scenario scripts in the repository's
bench/ folder. Work is interleaved between the trees (and their order
alternates) so that machine noise hits both alike. Every loop is bounded in
count and in time, and the whole run has a time budget: what does not fit is
reported as skipped. The benchmark reports; it never fails on speed, only
when a scenario crashes.

Standalone use:

    python scripts/forktool/bench.py --upstream TREE --fork TREE --out DIR [--quick]

`--only PHASE ...` (not in --help: a full run is the benchmark) runs just
these phases, e.g. `--only bodystall`; see PHASES.
"""

import argparse
import datetime
import json
import os
import platform
import queue
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

if __package__:
    from .errors import ForkError
else:  # Run as a script.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from forktool.errors import ForkError

# What the benchmark's virtualenv needs beside Django's own requirements
# (asgiref, sqlparse). matplotlib is optional: without it, no charts.
REQUIREMENTS = ["uvicorn", "argon2-cffi", "bcrypt", "matplotlib"]

BENCH_DIR = Path(__file__).resolve().parents[2] / "bench"
TREES = ("upstream", "fork")
MARKER = "@@bench "

HASHERS = ["pbkdf2_sha256", "argon2", "bcrypt_sha256", "scrypt"]
# Request scenarios of the throughput and sync-path phases: view/engine/auth.
SCENARIOS = [
    "plain/db/logged_in",
    "plain/signed_cookies/logged_in",
    "login_required/cache/logged_in",
    "permission/cached_db/logged_in",
    "not_found/db/anonymous",
]
VIEW_PATHS = {
    "plain": "plain/",
    "login_required": "private/",
    "permission": "permission/",
    "not_found": "missing/",
}
# The phases of a run, in order: name for --only, then for the log.
PHASES = {
    "hops": "thread hops",
    "storm": "login storm",
    "bodystall": "large response body",
    "wsgi": "sync path",
    "throughput": "ASGI throughput",
    "services": "real services (PostgreSQL + Redis)",
}
# The services phase: session engines on PostgreSQL + Redis, the ports of
# .ci/services (scripts/services/fork_services_settings.py reads the same
# variables), a database and a Redis database number per tree.
SERVICES_HOST = "127.0.0.1"
SERVICE_PORTS = {
    "PostgreSQL": ("FORK_POSTGRESQL_PORT", 54329),
    "Redis": ("FORK_REDIS_PORT", 63799),
}
SERVICES_DATABASES = {"upstream": ("bench_upstream", 1), "fork": ("bench_fork", 2)}
SERVICES_HOPS_ENGINES = ["db", "cache", "cached_db"]
# view/engine/auth scenarios loaded under uvicorn.
SERVICES_SCENARIOS = ["plain/cache/logged_in", "plain/cached_db/logged_in"]


class Plan:
    """How much work a run does; every count and duration is a bound."""

    def __init__(self, quick, only=None):
        self.quick = quick
        self.budget = 160 if quick else 520
        self.hops_timeout = 240
        self.storm_hashers = HASHERS[:1] if quick else HASHERS
        self.storm_users = 4 if quick else 8
        self.storm_timeout = 60 if quick else 90
        self.throughput = not quick
        self.wsgi = not quick
        # The large body phase: a few seconds per tree, so in quick runs too.
        self.bodystall_size = 23 * 2**20
        self.bodystall_rounds = 3
        self.bodystall_repeats = 2
        self.bodystall_timeout = 120
        self.repeats = 3
        self.concurrency = [1, 8, 32]
        self.load_seconds = 1.5
        self.load_warmup = 0.3
        self.load_max_requests = 20_000
        self.wsgi_seconds = 1.0
        self.wsgi_max_requests = 5_000
        self.wsgi_repeats = 5
        # Real services: at most services_budget seconds of the run.
        self.services_budget = 60 if quick else 90
        self.services_scenarios = (
            SERVICES_SCENARIOS[:1] if quick else SERVICES_SCENARIOS
        )
        self.services_concurrency = [1, 200] if quick else [1, 32, 200]
        self.services_repeats = 1 if quick else 2
        self.services_top_repeats = 1
        self.services_load_seconds = 1.0 if quick else 1.2
        self.services_warmup_seconds = 0.5
        # Bounds the drain of in-flight requests after a run's sending time.
        self.services_grace = 40
        # A partial run (--only) has these phases whatever its mode.
        self.only = only
        if only:
            self.phases = [name for name in PHASES if name in only]
        else:
            skipped = {"wsgi": not self.wsgi, "throughput": not self.throughput}
            self.phases = [name for name in PHASES if not skipped.get(name)]


def log(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)


def child_env(tree, data_dir, **extra):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTHON", "DJANGO_", "BENCH_"))
    }
    env.update(
        PYTHONPATH=os.pathsep.join([str(tree), str(BENCH_DIR)]),
        PYTHONDONTWRITEBYTECODE="1",
        DJANGO_SETTINGS_MODULE="benchproject.settings",
        BENCH_DATA_DIR=str(data_dir),
        **extra,
    )
    return env


class WorkerError(Exception):
    pass


class Worker:
    """
    A bench/worker.py child for one tree, answering JSON commands. `env`:
    extra environment variables (the settings' BENCH_*), also given to the
    tree's uvicorn servers; `tag` names its log files apart.
    """

    def __init__(self, label, tree, python, data_dir, log_dir, env=None, tag=""):
        self.label = label
        self.tree = tree
        self.python = python
        self.data_dir = data_dir
        self.env = dict(env or {})
        self.log_prefix = f"{label}{tag}"
        self.stderr = open(log_dir / f"{self.log_prefix}-worker.log", "w")
        self.process = subprocess.Popen(
            [str(python), str(BENCH_DIR / "worker.py")],
            cwd=BENCH_DIR,
            env=child_env(tree, data_dir, **self.env),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
        )
        self.answers = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.info = None

    def _read(self):
        for line in self.process.stdout:
            if line.startswith(MARKER):
                self.answers.put(json.loads(line[len(MARKER) :]))
        self.answers.put(None)

    def receive(self, timeout):
        try:
            answer = self.answers.get(timeout=timeout)
        except queue.Empty:
            self.close()
            raise WorkerError(f"{self.label} worker gave no answer in {timeout:.0f}s")
        if answer is None:
            raise WorkerError(f"{self.label} worker exited; see {self.stderr.name}")
        if "error" in answer:
            raise WorkerError(f"{self.label}: {answer['error'].strip()}")
        return answer

    def wait_ready(self, timeout=180):
        self.info = self.receive(timeout)
        return self.info

    def send(self, **command):
        if self.process.poll() is not None:
            raise WorkerError(f"{self.label} worker is not running")
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()

    def ask(self, wait, **command):
        """Send a command; wait at most `wait` seconds for its answer."""
        self.send(**command)
        return self.receive(wait)

    def close(self):
        if self.process.poll() is None:
            try:
                self.process.stdin.write(json.dumps({"cmd": "quit"}) + "\n")
                self.process.stdin.close()
                self.process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()
        self.stderr.close()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """uvicorn serving the bench project of one tree on loopback."""

    def __init__(self, worker, scenario, log_dir, **env):
        view, engine, _ = scenario.split("/")
        self.port = free_port()
        self.label = worker.label
        self.scenario = scenario
        self.data_dir = worker.data_dir
        name = scenario.replace("/", "-")
        self.stderr = open(log_dir / f"{worker.log_prefix}-uvicorn-{name}.log", "w")
        env = child_env(
            worker.tree,
            worker.data_dir,
            **{**worker.env, **env},
            BENCH_SESSION_ENGINE=engine,
            BENCH_LOGIN_REQUIRED="1" if view == "login_required_mw" else "0",
        )
        self.process = subprocess.Popen(
            [str(worker.python), "-m", "uvicorn", "benchproject.asgi:application"]
            + ["--host", "127.0.0.1", "--port", str(self.port)]
            + ["--loop", "asyncio", "--http", "h11", "--lifespan", "off"]
            + ["--no-access-log", "--log-level", "warning"],
            cwd=BENCH_DIR,
            env=env,
            stdout=self.stderr,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout=90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise WorkerError(
                    f"{self.label} uvicorn exited; see {self.stderr.name}"
                )
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise WorkerError(f"{self.label} uvicorn not listening after {timeout}s")

    def ticker(self, method):
        """Start (POST) or stop and read (GET) the server's loop ticker."""
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/_bench/ticker/",
            method=method,
            data=b"" if method == "POST" else None,
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read())
        except (OSError, ValueError) as exception:
            raise WorkerError(f"{self.label} loop ticker: {exception}")

    def close(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.stderr.close()


def alternate(index):
    """Tree order for the index-th round: upstream first, then fork first."""
    return TREES if index % 2 == 0 else TREES[::-1]


def median(values):
    values = [value for value in values if value is not None]
    return statistics.median(values) if values else None


def percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class Bench:
    def __init__(self, trees, python, out_dir, plan):
        self.trees = trees
        self.python = python
        self.out_dir = out_dir
        self.plan = plan
        self.log_dir = out_dir / "logs"
        self.deadline = time.monotonic() + plan.budget
        self.workers = {}
        self.results = {
            "meta": {},
            "hops": [],
            "options": [],
            "storm": [],
            "bodystall": [],
            "throughput": [],
            "wsgi": [],
            "services": {},
            "skipped": [],
            "errors": [],
        }

    # Book-keeping.

    def error(self, where, exception):
        log(f"crashed: {where}: {exception}")
        self.results["errors"].append({"where": where, "error": str(exception)})

    def within_budget(self, what, needed=0):
        """Whether `needed` more seconds fit in the run's time budget."""
        if time.monotonic() + needed < self.deadline:
            return True
        self.results["skipped"].append(f"{what}: time budget exhausted")
        return False

    # Phases.

    def start_workers(self, tmp):
        for label in TREES:
            data_dir = Path(tmp) / label
            data_dir.mkdir()
            self.workers[label] = Worker(
                label, self.trees[label], self.python, data_dir, self.log_dir
            )
        for label, worker in self.workers.items():
            info = worker.wait_ready()
            log(f"{label}: Django {info['django']} from {info['django_path']}")
            self.results["meta"]["trees"][label] = {
                "path": str(worker.tree),
                "django": info["django"],
                "python": info["python"],
            }

    def hops(self):
        log("thread hops per ASGI request")
        self.results["hops"] = self.cells("hops", ("engine", "auth", "view"))
        # The opt-in features, measured on the trees that have them; the fork
        # first: it has every option, in the order of the table.
        self.results["options"] = self.cells(
            "options", ("option", "engine", "auth"), reversed(TREES)
        )

    def cells(self, cmd, names, order=TREES):
        """
        The cells a worker command answers, from every tree: a dict per key
        (the values of `names`), with the key and each tree's cell.
        """
        cells = {}
        # Deterministic counts: both trees may run at once.
        for label in TREES:
            self.workers[label].send(cmd=cmd)
        for label in order:
            answer = self.workers[label].receive(self.plan.hops_timeout)
            for cell in answer["cells"]:
                key = tuple(cell.pop(name) for name in names)
                cells.setdefault(key, {})[label] = cell
                if "error" in cell:
                    self.error(f"{cmd} {'/'.join(key)} ({label})", cell["error"])
        return [dict(zip(names, key), **by_tree) for key, by_tree in cells.items()]

    def storm(self):
        for index, hasher in enumerate(self.plan.storm_hashers):
            if not self.within_budget(f"login storm {hasher}", 20):
                continue
            log(f"login storm: {hasher}, {self.plan.storm_users} users")
            row = {"hasher": hasher}
            for label in alternate(index):
                try:
                    row[label] = self.workers[label].ask(
                        self.plan.storm_timeout + 120,
                        cmd="storm",
                        hasher=hasher,
                        users=self.plan.storm_users,
                        timeout=self.plan.storm_timeout,
                        round=index,
                    )
                except WorkerError as exception:
                    self.error(f"storm {hasher} ({label})", exception)
                    continue
                if row[label].get("failures") or "first_failure" in row[label]:
                    self.error(
                        f"storm {hasher} ({label})",
                        row[label].get("first_failure", "logins failed"),
                    )
            self.results["storm"].append(row)

    def bodystall(self):
        plan = self.plan
        name = f"gzip + ETag, {plan.bodystall_size / 2**20:g} MiB body"
        log(f"event-loop stalls: {name}")
        runs = {label: [] for label in TREES}
        for index in range(plan.bodystall_rounds):
            if not self.within_budget(f"large body #{index + 1}", 15):
                continue
            for label in alternate(index):
                try:
                    runs[label].append(
                        self.workers[label].ask(
                            plan.bodystall_timeout,
                            cmd="bodystall",
                            size=plan.bodystall_size,
                            repeats=plan.bodystall_repeats,
                        )
                    )
                except WorkerError as exception:
                    self.error(f"large body ({label})", exception)
        row = {"body": name, "size": plan.bodystall_size}
        for label in TREES:
            if runs[label]:
                row[label] = summarize_stalls(runs[label])
        upstream, fork = (get(row, label, "gap_max_ms") for label in TREES)
        row["ratio"] = fork / upstream if upstream and fork else None
        self.results["bodystall"].append(row)

    def wsgi(self):
        log("sync path under WSGI")
        rows = {scenario: {label: [] for label in TREES} for scenario in SCENARIOS}
        for repeat in range(self.plan.wsgi_repeats):
            for index, scenario in enumerate(SCENARIOS):
                what = f"sync path {scenario} #{repeat + 1}"
                if not self.within_budget(what, self.plan.wsgi_seconds + 5):
                    continue
                for label in alternate(repeat + index):
                    try:
                        rows[scenario][label].append(
                            self.workers[label].ask(
                                self.plan.wsgi_seconds + 60,
                                cmd="wsgi",
                                scenario=scenario,
                                seconds=self.plan.wsgi_seconds,
                                max_requests=self.plan.wsgi_max_requests,
                            )
                        )
                    except WorkerError as exception:
                        self.error(f"sync path {scenario} ({label})", exception)
        for scenario, runs in rows.items():
            if all(runs.values()):
                self.results["wsgi"].append(summarize(scenario, runs))

    def throughput(self):
        log("ASGI throughput and latency under uvicorn")
        servers = {}
        try:
            # All servers at once (idle ones cost only memory), so that
            # repeats are the outer loop: a short budget drops repeats, not
            # whole scenarios.
            for scenario in SCENARIOS:
                for label in TREES:
                    servers[scenario, label] = Server(
                        self.workers[label], scenario, self.log_dir
                    )
            for server in servers.values():
                server.wait_ready()
            runs = {}
            for repeat in range(self.plan.repeats):
                for index, scenario in enumerate(SCENARIOS):
                    for offset, concurrency in enumerate(self.plan.concurrency):
                        what = f"throughput {scenario} c={concurrency} #{repeat + 1}"
                        if not self.within_budget(what, self.plan.load_seconds + 5):
                            continue
                        for label in alternate(repeat + index + offset):
                            result = self.load(servers[scenario, label], concurrency)
                            if result is not None:
                                runs.setdefault((scenario, concurrency), {})
                                runs[scenario, concurrency].setdefault(label, [])
                                runs[scenario, concurrency][label].append(result)
        except WorkerError as exception:
            self.error("throughput", exception)
            runs = {}
        finally:
            for server in servers.values():
                server.close()
        for (scenario, concurrency), by_tree in runs.items():
            if all(by_tree.get(label) for label in TREES):
                row = summarize(scenario, by_tree)
                row["concurrency"] = concurrency
                self.results["throughput"].append(row)

    def load(self, server, concurrency, seconds=None, whole_run=False, grace=10):
        """
        One bounded loadgen.py run against a server; None if it failed.
        `whole_run`: no warm-up, every response counts (see loadgen.py).
        """
        view, _, auth = server.scenario.split("/")
        plan = self.plan
        seconds = seconds or plan.load_seconds
        command = [str(self.python), str(BENCH_DIR / "loadgen.py")]
        command += ["--port", str(server.port), "--path", f"/a/{VIEW_PATHS[view]}"]
        command += ["--concurrency", str(concurrency)]
        command += ["--seconds", str(seconds), "--grace", str(grace)]
        if whole_run:
            command += ["--warmup", "0", "--whole-run"]
        else:
            command += ["--warmup", str(plan.load_warmup)]
        command += ["--max-requests", str(plan.load_max_requests)]
        if auth == "logged_in":
            command.append("--login")
        where = f"load {server.scenario} c={concurrency} ({server.label})"
        try:
            out = subprocess.run(
                command,
                cwd=BENCH_DIR,
                env=child_env(self.trees[server.label], server.data_dir),
                capture_output=True,
                text=True,
                timeout=seconds + grace + 60,
            )
        except subprocess.TimeoutExpired:
            self.error(where, "hung")
            return None
        if out.returncode:
            self.error(where, (out.stderr.strip().splitlines() or ["failed"])[-1])
            return None
        return json.loads(out.stdout)

    def services(self):
        """
        Hops, then ASGI load with a loop ticker, each tree on its own
        PostgreSQL database and Redis database number; skipped (not an
        error) when the services do not answer.
        """
        missing = services_missing(self.python)
        if missing:
            log(f"real services: skipped, {missing}")
            self.results["skipped"].append(f"real services: {missing}")
            return
        plan = self.plan
        deadline = time.monotonic() + plan.services_budget
        log(f"real services: PostgreSQL + Redis, up to {plan.services_budget} s")
        ports = service_ports()
        results = self.results["services"] = {
            "postgresql": f"{SERVICES_HOST}:{ports['PostgreSQL']}",
            "redis": f"{SERVICES_HOST}:{ports['Redis']}",
            "databases": {},
            "hops": [],
            "throughput": [],
        }
        workers, servers = {}, {}
        try:
            for label in TREES:
                name, redis_db = SERVICES_DATABASES[label]
                results["databases"][label] = {"postgresql": name, "redis": redis_db}
                data_dir = self.tmp / f"{label}-services"
                data_dir.mkdir(exist_ok=True)
                workers[label] = Worker(
                    label,
                    self.trees[label],
                    self.python,
                    data_dir,
                    self.log_dir,
                    env={
                        "BENCH_SERVICES": "1",
                        "BENCH_PG_NAME": name,
                        "BENCH_REDIS_DB": str(redis_db),
                    },
                    tag="-services",
                )
            for worker in workers.values():
                worker.wait_ready()
            self.services_hops(workers)
            for scenario in plan.services_scenarios:
                for label in TREES:
                    servers[scenario, label] = Server(
                        workers[label], scenario, self.log_dir, BENCH_TICKER="1"
                    )
            for server in servers.values():
                server.wait_ready()
            runs = self.services_load(servers, deadline)
        finally:
            for server in servers.values():
                server.close()
            for worker in workers.values():
                worker.close()
        results["server_errors"] = [
            {"scenario": scenario, "tree": label, "error": error, "count": count}
            for (scenario, label), server in servers.items()
            for error, count in server_errors(Path(server.stderr.name)).items()
        ]
        for (scenario, concurrency), by_tree in runs.items():
            if all(by_tree.get(label) for label in TREES):
                row = summarize(scenario, by_tree)
                row["concurrency"] = concurrency
                results["throughput"].append(row)
                for label in TREES:
                    errors = row[label]["errors"]
                    if errors:
                        log(
                            f"real services: {scenario} c={concurrency} {label}: "
                            f"{errors} failed requests ({failures(row[label])})"
                        )

    def services_hops(self, workers):
        for label in TREES:
            workers[label].send(cmd="hops", engines=SERVICES_HOPS_ENGINES)
        cells = {}
        for label in TREES:
            answer = workers[label].receive(self.plan.hops_timeout)
            for cell in answer["cells"]:
                key = (cell.pop("engine"), cell.pop("auth"), cell.pop("view"))
                cells.setdefault(key, {})[label] = cell
                if "error" in cell:
                    where = f"services hops {'/'.join(key)} ({label})"
                    self.error(where, cell["error"])
        for (engine, auth, view), by_tree in cells.items():
            self.results["services"]["hops"].append(
                {"engine": engine, "auth": auth, "view": view, **by_tree}
            )

    def services_load(self, servers, deadline):
        """
        Interleaved loadgen runs, each counting every response from the first
        request to the last (at 200 connections, the responses of a slow
        server come in waves). The top concurrency, the slowest to drain,
        runs in the first services_top_repeats repeats only, with the loop
        ticker on.
        """
        plan = self.plan
        top = max(plan.services_concurrency)
        for server in servers.values():
            # Not recorded: imports, URL resolver, first connections.
            self.load(server, 1, plan.services_warmup_seconds)
        runs = {}
        for repeat in range(plan.services_repeats):
            for index, scenario in enumerate(plan.services_scenarios):
                for offset, concurrency in enumerate(plan.services_concurrency):
                    ticking = concurrency == top
                    if ticking and repeat >= plan.services_top_repeats:
                        continue
                    what = f"services {scenario} c={concurrency} #{repeat + 1}"
                    # Many connections to a slow server take long to drain.
                    needed = 2 * (plan.services_load_seconds + (9 if ticking else 2))
                    if time.monotonic() + needed > deadline:
                        self.results["skipped"].append(f"{what}: phase budget")
                        continue
                    if not self.within_budget(what, needed):
                        continue
                    for label in alternate(repeat + index + offset):
                        server = servers[scenario, label]
                        if ticking:
                            server.ticker("POST")
                        result = self.load(
                            server,
                            concurrency,
                            plan.services_load_seconds,
                            whole_run=True,
                            grace=plan.services_grace,
                        )
                        loop = server.ticker("GET") if ticking else None
                        if result is None:
                            continue
                        if loop is not None:
                            result["loop"] = loop
                        by_tree = runs.setdefault((scenario, concurrency), {})
                        by_tree.setdefault(label, []).append(result)
        return runs

    def charts(self):
        out = subprocess.run(
            [str(self.python), str(BENCH_DIR / "charts.py"), str(self.out_dir)],
            cwd=BENCH_DIR,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if out.returncode:
            self.error("charts", (out.stderr.strip().splitlines() or ["failed"])[-1])
        elif out.stdout.strip():
            self.results["meta"]["charts"] = out.stdout.split()
        else:
            self.results["skipped"].append("charts: matplotlib is not importable")

    def run(self):
        started = time.monotonic()
        self.results["meta"] = describe_run(self.plan, self.python)
        self.results["meta"]["trees"] = {}
        with tempfile.TemporaryDirectory(prefix="fork-bench-") as tmp:
            self.tmp = Path(tmp)
            try:
                self.start_workers(tmp)
                for name in self.plan.phases:
                    try:
                        getattr(self, name)()
                    except WorkerError as exception:
                        self.error(PHASES[name], exception)
            except WorkerError as exception:
                self.error("worker start", exception)
            finally:
                for worker in self.workers.values():
                    worker.close()
        self.results["meta"]["seconds"] = round(time.monotonic() - started, 1)
        self.results["meta"]["load_average_end"] = load_average()
        write_json(self.out_dir / "results.json", self.results)
        if not (self.plan.quick or self.plan.only):
            self.charts()
            write_json(self.out_dir / "results.json", self.results)
        (self.out_dir / "results.md").write_text(render(self.results))
        return self.results


def summarize(scenario, runs):
    """Median figures per tree and the median of per-repeat fork/upstream ratios."""
    row = {"scenario": scenario}
    for label in TREES:
        row[label] = {
            "req_per_s": median(run["req_per_s"] for run in runs[label]),
            "p50_ms": median(run["p50_ms"] for run in runs[label]),
            "p99_ms": median(run["p99_ms"] for run in runs[label]),
            "runs": runs[label],
        }
    for label in TREES:
        if all("non_200" in run for run in runs[label]):
            row[label].update(count_failures(runs[label]))
        loops = [run["loop"] for run in runs[label] if "loop" in run]
        if loops:
            row[label]["loop_gap_max_ms"] = max(
                loop["gap_max_ms"] for loop in loops if loop["gap_max_ms"] is not None
            )
            row[label]["loop_gap_p99_ms"] = median(loop["gap_p99_ms"] for loop in loops)
            row[label]["loop_ticks"] = sum(loop["ticks"] for loop in loops)
    ratios = [
        fork["req_per_s"] / upstream["req_per_s"]
        for upstream, fork in zip(runs["upstream"], runs["fork"])
        if upstream["req_per_s"]
    ]
    row["ratio"] = median(ratios)
    row.update(spread(ratios))
    return row


def spread(values):
    """The spread of per-repeat ratios: all of them, min, max, quartiles."""
    values = sorted(values)
    if not values:
        return {"ratios": []}
    low, high = values[0], values[-1]
    if len(values) > 1:
        q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
    else:
        q1 = q3 = low
    return {
        "ratios": [round(value, 4) for value in values],
        "ratio_min": low,
        "ratio_max": high,
        "ratio_q1": q1,
        "ratio_q3": q3,
    }


def count_failures(runs):
    """
    Failed requests of a tree's load runs: responses other than 200,
    connection errors by exception name, connections left waiting.
    """
    statuses, connection_errors = {}, {}
    for run in runs:
        for status, count in run["statuses"].items():
            statuses[status] = statuses.get(status, 0) + count
        for name, count in run.get("connection_errors", {}).items():
            connection_errors[name] = connection_errors.get(name, 0) + count
    non_200 = sum(run["non_200"] for run in runs)
    unfinished = sum(run.get("unfinished", 0) for run in runs)
    return {
        "requests": sum(run["requests"] for run in runs),
        "statuses": statuses,
        "non_200": non_200,
        "connection_errors": connection_errors,
        "unfinished": unfinished,
        "errors": non_200 + sum(connection_errors.values()) + unfinished,
    }


def failures(summary):
    """ "500×3, ConnectionResetError×1" for a tree's count_failures()."""
    parts = [
        f"{status}×{count}"
        for status, count in sorted(summary.get("statuses", {}).items())
        if status != "200"
    ]
    parts += [
        f"{name}×{count}"
        for name, count in sorted(summary.get("connection_errors", {}).items())
    ]
    if summary.get("unfinished"):
        parts.append(f"unanswered×{summary['unfinished']}")
    return ", ".join(parts)


EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exhausted)\b.*")


def server_errors(path):
    """
    {outermost exception line: count} of the tracebacks of a server log: the
    causes of its 500 responses (Django logs them with the services
    settings).
    """
    counts, last = {}, None
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return counts
    for line in lines + ["Internal Server Error: (end)"]:
        if line.startswith("Internal Server Error:"):
            if last:
                counts[last] = counts.get(last, 0) + 1
            last = None
        elif EXCEPTION_LINE.match(line):
            last = line.strip()[:200]
    return counts


def service_ports():
    return {
        name: int(os.environ.get(variable, default))
        for name, (variable, default) in SERVICE_PORTS.items()
    }


def services_missing(python):
    """Why the services phase cannot run, or None."""
    down = []
    for name, port in service_ports().items():
        try:
            socket.create_connection((SERVICES_HOST, port), timeout=2).close()
        except OSError:
            down.append(f"{name} on {SERVICES_HOST}:{port}")
    if down:
        return f"{' and '.join(down)} not answering (start .ci/services)"
    probe = subprocess.run(
        [str(python), "-c", "import psycopg, redis"], capture_output=True, text=True
    )
    if probe.returncode:
        return f"{python} cannot import psycopg and redis"
    return None


def summarize_stalls(runs):
    """
    Pool the requests of one tree's bodystall runs: the largest gap, the
    median of per-request largest gaps, the p99 of all gaps, the median wall
    time. The raw gaps are dropped.
    """
    requests = [request for run in runs for request in run["requests"]]
    gaps = [gap for request in requests for gap in request.pop("gaps")]
    maxima = [request["gap_max_ms"] for request in requests]
    first = runs[0]
    return {
        "requests": len(requests),
        "tick_ms": first["tick_ms"],
        "gap_max_ms": max(maxima, default=None),
        "gap_max_median_ms": median(maxima),
        "gap_p99_ms": percentile(gaps, 0.99),
        "ticks": len(gaps),
        "wall_ms": median(request["wall_ms"] for request in requests),
        "idle_gap_max_ms": max(run["idle_gap_max_ms"] for run in runs),
        "compressed_bytes": first["compressed_bytes"],
        "etag": first["etag"],
        "hops": first["hops"],
        "hop_calls": first["hop_calls"],
        "runs": runs,
    }


def load_average():
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except OSError:
        return None


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def describe_run(plan, python):
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime(
            "%Y-%m-%d %H:%M UTC"
        ),
        "mode": "quick" if plan.quick else "full",
        "only": plan.phases if plan.only else None,
        "machine": f"{cpu_model()}, {os.cpu_count()} CPUs, {platform.system()} "
        f"{platform.release()}",
        "python": str(python),
        "load_average_start": load_average(),
    }


def write_json(path, data):
    path.write_text(json.dumps(data, indent=1) + "\n")


# Markdown.


def fmt(value, digits=1):
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(fmt(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def get(row, label, key):
    return row.get(label, {}).get(key)


def pair(row, key):
    """ "upstream → fork" for one figure of a row."""
    return f"{fmt(get(row, 'upstream', key))} → {fmt(get(row, 'fork', key))}"


def render_hops(cells):
    out = ["## Thread hops per ASGI request\n"]
    out.append(
        "Hops are calls of asgiref's `SyncToAsync`/`AsyncToSync`, counted "
        "in-process through `ASGIHandler` with the default `startproject` "
        "MIDDLEWARE, the second of two identical requests from a fresh client "
        "(logged-in clients log in first, outside the count). The plain view "
        "does `await request.auser()`, `session.aget()`, `session.aset()`.\n"
    )
    plain = [cell for cell in cells if cell["view"] == "plain"]
    rows = []
    for engine in dict.fromkeys(cell["engine"] for cell in plain):
        by_auth = {cell["auth"]: cell for cell in plain if cell["engine"] == engine}
        rows.append(
            [engine]
            + [
                pair(by_auth.get(auth, {}), "hops")
                for auth in ("anonymous", "logged_in")
            ]
        )
    out.append("Plain view, upstream → fork:\n")
    out.append(table(["session engine", "anonymous", "logged in"], rows))
    out.append("\nEvery scenario (upstream → fork):\n")
    rows = [
        [cell["engine"], cell["auth"].replace("_", " "), cell["view"]]
        + [pair(cell, key) for key in ("status", "hops", "queries")]
        for cell in cells
    ]
    out.append(table(["engine", "client", "view", "status", "hops", "queries"], rows))
    out += render_hop_calls(cells, ("db", "logged_in", "plain"))
    return out


def render_options(cells):
    """The opt-in features: hops / queries per request, on each tree."""
    out = ["## Opt-in features: thread hops per ASGI request\n"]
    out.append(
        "Counted as above, with the default MIDDLEWARE. Sync reads: an async "
        "view reading `request.user` and `request.session` synchronously (as "
        "a sync template tag or context processor does), lazily (the default) "
        "or with `EagerAuthenticationMiddleware` in place of "
        "`AuthenticationMiddleware`. Session read: an async view awaiting "
        "`auser()` and `session.aget()`, without modifying the session, with "
        "a quarter of the database session's age left (`< half left`) or all "
        "of it. Cells: hops / queries, `saved` when the session was saved in "
        "full, the status when not 200; `—`: the tree has no such option.\n"
    )

    def cell_text(cell):
        if not cell:
            return "—"
        if "error" in cell:
            return "error"
        if cell.get("status") != 200:
            return str(cell.get("status"))
        text = f"{cell['hops']} / {cell['queries']}"
        return text + (" saved" if cell.get("saved") else "")

    rows = {}
    for cell in cells:
        row = rows.setdefault((cell["option"], cell["engine"]), {})
        for label in TREES:
            row[label, cell["auth"]] = cell_text(cell.get(label))
    header = ["option", "session engine"] + [
        f"{label}, {auth.replace('_', ' ')}"
        for label in TREES
        for auth in ("anonymous", "logged_in")
    ]
    out.append(
        table(
            header,
            [
                [option, engine]
                + [
                    row.get((label, auth), "—")
                    for label in TREES
                    for auth in ("anonymous", "logged_in")
                ]
                for (option, engine), row in rows.items()
            ],
        )
    )
    return out


def render_hop_calls(cells, key):
    """The calls that hop, for one scenario, upstream beside fork."""
    cell = next((c for c in cells if (c["engine"], c["auth"], c["view"]) == key), None)
    if cell is None:
        return []
    calls = {label: get(cell, label, "hop_calls") or [] for label in TREES}
    rows = [
        [index + 1]
        + [
            f"`{calls[label][index]}`" if index < len(calls[label]) else ""
            for label in TREES
        ]
        for index in range(max(map(len, calls.values())))
    ]
    return [
        f"\nWhere the hops go ({'/'.join(key)}):\n",
        table(["#", "upstream", "fork"], rows),
    ]


def render_storm(rows):
    out = ["## Event-loop stalls under a login storm\n"]
    if not rows:
        return out + ["Not run.\n"]
    sample = next((row[t] for row in rows for t in TREES if t in row), {})
    out.append(
        f"{fmt(sample.get('users'))} concurrent requests on one event loop, each "
        "in its own thread-sensitive context: half `acreate_user` then log in, "
        "half log in a user whose hash needs upgrading; a log-in is "
        "`aauthenticate` + `alogin` + session save. A ticker sleeping "
        f"{fmt(sample.get('tick_ms'))} ms records the gap between its wake-ups. "
        "Figures are upstream → fork; lower is better; ratio = fork / upstream "
        "max gap.\n"
    )
    table_rows = []
    for row in rows:
        skipped = [row[t]["skipped"] for t in TREES if "skipped" in row.get(t, {})]
        if skipped:
            table_rows.append([row["hasher"], f"skipped: {skipped[0]}"])
            continue
        upstream, fork = (get(row, t, "gap_max_ms") for t in TREES)
        ratio = f"{fork / upstream:.2f}" if upstream and fork else None
        timed_out = any(get(row, t, "timed_out") for t in TREES)
        table_rows.append(
            [row["hasher"], pair(row, "wall_seconds"), pair(row, "gap_max_ms"), ratio]
            + [pair(row, key) for key in ("gap_p99_ms", "ticks", "upgraded")]
            + ["timed out" if timed_out else "ok"]
        )
    header = ["hasher", "wall s", "max gap ms", "ratio", "p99 gap ms", "ticks"]
    out.append(table(header + ["upgraded", "result"], table_rows))
    return out


def render_bodystall(rows):
    out = ["## Event-loop stalls with a large response body\n"]
    if not rows:
        return out + ["Not run.\n"]
    sample = next((row[t] for row in rows for t in TREES if t in row), {})
    out.append(
        "An async view returns an `HttpResponse` with a text body (CSV-like "
        "rows, gzip shrinks it about twentyfold); MIDDLEWARE is "
        "`GZipMiddleware` then `ConditionalGetMiddleware`, nothing else. "
        f"{fmt(sample.get('requests'))} requests per tree, one at a time in "
        "interleaved rounds, in-process through `ASGIHandler` with "
        "`Accept-Encoding: gzip`; each response is checked to be gzipped and "
        "to have an ETag. A ticker on the same event loop sleeping "
        f"{fmt(sample.get('tick_ms'))} ms records the gap between its "
        "wake-ups during each request. Figures are upstream (6.1.3) → fork; "
        "lower is better; ratio = fork / upstream max gap. Idle gap: the "
        "ticker alone, the machine's noise floor. Hops: threads a request "
        "goes through (`sync_to_async`).\n"
    )
    table_rows = []
    for row in rows:
        upstream, fork = (get(row, t, "gap_max_ms") for t in TREES)
        ratio = f"{fork / upstream:.2f}" if upstream and fork else None
        table_rows.append(
            [row["body"], pair(row, "gap_max_ms"), ratio]
            + [pair(row, key) for key in ("gap_max_median_ms", "gap_p99_ms")]
            + [pair(row, key) for key in ("wall_ms", "idle_gap_max_ms", "hops")]
        )
    header = ["body", "max gap ms", "ratio", "median max gap ms", "p99 gap ms"]
    out.append(table(header + ["wall ms", "idle max gap ms", "hops"], table_rows))
    return out


def ratio_spread(row):
    """ "0.97–1.05 (IQR 0.99–1.02, n=5)" for a summarize() row."""
    ratios = row.get("ratios") or []
    if len(ratios) < 2:
        return None
    return (
        f"{row['ratio_min']:.2f}–{row['ratio_max']:.2f} "
        f"(IQR {row['ratio_q1']:.2f}–{row['ratio_q3']:.2f}, n={len(ratios)})"
    )


def render_requests(title, note, rows, with_concurrency):
    out = [f"## {title}\n", note]
    if not rows:
        return out + ["Not run (quick mode, or see Skipped).\n"]
    header = ["scenario"] + (["conc."] if with_concurrency else [])
    header += ["upstream req/s", "fork req/s", "ratio", "ratio spread"]
    header += ["p50 ms up", "p50 ms fork", "p99 ms up", "p99 ms fork"]
    table_rows = []
    for row in rows:
        line = [row["scenario"]] + ([row["concurrency"]] if with_concurrency else [])
        line += [get(row, "upstream", "req_per_s"), get(row, "fork", "req_per_s")]
        line.append(f"{row['ratio']:.2f}" if row["ratio"] else None)
        line.append(ratio_spread(row))
        for key in ("p50_ms", "p99_ms"):
            line += [get(row, "upstream", key), get(row, "fork", key)]
        table_rows.append(line)
    out.append(table(header, table_rows))
    return out


def errors_cell(summary):
    """A tree's failed requests: "0", or "12 (500×10, unanswered×2)"."""
    if "errors" not in summary:
        return None
    if not summary["errors"]:
        return "0"
    return f"**{summary['errors']}** ({failures(summary)})"


def render_services(services):
    out = ["## Real services: PostgreSQL + Redis\n"]
    if not services:
        return out + ["Not run (services not answering: see Skipped).\n"]
    databases = services.get("databases", {})
    names = ", ".join(
        f"{label} `{db['postgresql']}` / Redis db {db['redis']}"
        for label, db in databases.items()
    )
    out.append(
        f"Each tree on PostgreSQL ({services.get('postgresql')}) with its own "
        f"database, and Redis ({services.get('redis')}) as the default cache "
        "(`RedisCache`, no pool OPTIONS: the defaults): "
        f"{names}. Default `startproject` MIDDLEWARE. Figures are upstream "
        "(6.1.3) → fork.\n"
    )
    cells = [cell for cell in services.get("hops", []) if cell["view"] == "plain"]
    rows = []
    for engine in dict.fromkeys(cell["engine"] for cell in cells):
        by_auth = {cell["auth"]: cell for cell in cells if cell["engine"] == engine}
        rows.append(
            [engine]
            + [
                pair(by_auth.get(auth, {}), key)
                for auth in ("anonymous", "logged_in")
                for key in ("hops", "queries")
            ]
        )
    out.append(
        "Thread hops (and SQL queries) per request of the async session view "
        "(`auser()`, `session.aget()`, `session.aset()`), counted in-process "
        "through `ASGIHandler` as in the thread hops section:\n"
    )
    header = ["session engine", "anonymous hops", "anonymous queries"]
    out.append(table(header + ["logged-in hops", "logged-in queries"], rows))
    rows = services.get("throughput", [])
    if not rows:
        return out + ["\nNo load runs (see Skipped and Errors).\n"]
    out.append(
        "\nuvicorn (asyncio loop, h11), one server per tree (warmed up by a "
        "short unrecorded run), the logged-in session view; keep-alive "
        "connections at each concurrency send for a few seconds, then the "
        "requests in flight drain: every response counts, req/s = responses / "
        "time from the first request to the last response (at 200 connections "
        "responses come in waves, each connection may get one). Runs are "
        "interleaved between the trees; req/s and latencies are medians of the "
        "repeats (200 connections: one run per tree), ratio = median of "
        "per-repeat fork / upstream req/s. Failed = responses other than 200 + "
        "connection errors + connections left unanswered, summed over the "
        "repeats.\n"
    )
    header = ["session engine", "conc.", "upstream req/s", "fork req/s", "ratio"]
    header += ["p50 ms", "p99 ms", "failed up", "failed fork", "requests (sum)"]
    table_rows = []
    for row in rows:
        engine = row["scenario"].split("/")[1]
        table_rows.append(
            [engine, row["concurrency"]]
            + [get(row, "upstream", "req_per_s"), get(row, "fork", "req_per_s")]
            + [f"{row['ratio']:.2f}" if row["ratio"] else None]
            + [pair(row, "p50_ms"), pair(row, "p99_ms")]
            + [errors_cell(row.get(label, {})) for label in TREES]
            + [pair(row, "requests")]
        )
    out.append(table(header, table_rows))
    loops = [row for row in rows if get(row, "upstream", "loop_ticks")]
    if loops:
        sample = loops[0]
        out.append(
            f"\nEvent-loop gaps inside the uvicorn process during the c="
            f"{sample['concurrency']} runs: a ticker coroutine sleeping 2 ms "
            "on the server's loop (from just before the load generator starts "
            "to just after its last response, its log-in included), the gap "
            "between its wake-ups; lower is better.\n"
        )
        table_rows = [
            [row["scenario"].split("/")[1], row["concurrency"]]
            + [pair(row, key) for key in ("loop_gap_max_ms", "loop_gap_p99_ms")]
            + [pair(row, "loop_ticks")]
            for row in loops
        ]
        header = ["session engine", "conc.", "max gap ms", "p99 gap ms", "ticks"]
        out.append(table(header, table_rows))
    errors = services.get("server_errors") or []
    if errors:
        out.append("\nWhy requests failed, from the servers' logs:\n")
        table_rows = [
            [error["tree"], error["scenario"].split("/")[1], error["count"]]
            + ["`" + error["error"].replace("|", "\\|") + "`"]
            for error in errors
        ]
        out.append(table(["tree", "session engine", "count", "error"], table_rows))
    return out


def render(results):
    meta = results["meta"]
    trees = meta.get("trees", {})
    out = ["# Fork vs upstream benchmark\n"]
    only = f" (only {', '.join(meta['only'])})" if meta.get("only") else ""
    out.append(
        f"{meta['date']}, {meta['mode']} mode{only}, {meta.get('seconds')} s. "
        f"Machine: {meta['machine']}; load average {meta.get('load_average_start')} "
        f"at start, {meta.get('load_average_end')} at end.\n"
    )
    for label in TREES:
        tree = trees.get(label, {})
        out.append(
            f"- {label}: `{tree.get('path')}` (Django {tree.get('django')}, "
            f"Python {tree.get('python')})"
        )
    out.append("")
    sections = {
        "hops": lambda: render_hops(results["hops"])
        + render_options(results.get("options", [])),
        "storm": lambda: render_storm(results["storm"]),
        "bodystall": lambda: render_bodystall(results.get("bodystall", [])),
        "throughput": lambda: render_requests(
            "ASGI throughput and latency",
            "uvicorn (asyncio loop, h11) on 127.0.0.1, one worker per tree; "
            "keep-alive connections at each concurrency; medians of interleaved "
            "repeats, ratio = median of per-repeat fork / upstream req/s "
            "(> 1: fork faster). Scenario = view/session engine/client.\n",
            results["throughput"],
            True,
        ),
        "wsgi": lambda: render_requests(
            "Sync path (WSGI)",
            "Sync twin views through `django.test.Client` (the WSGI handler "
            "in-process), one request at a time, in repeated interleaved runs "
            "(the tree order alternates); req/s and latencies are medians of "
            "the runs, ratio = median of per-run fork / upstream req/s (> 1: "
            "fork faster), its spread the min–max and interquartile range of "
            "those per-run ratios.\n",
            results["wsgi"],
            False,
        ),
        "services": lambda: render_services(results.get("services")),
    }
    for name, section in sections.items():
        # A partial run (--only) shows only its phases.
        if name in (meta.get("only") or sections):
            out += section()
    for chart in meta.get("charts", []):
        out.append(f"![{Path(chart).stem}]({Path(chart).name})\n")
    if results["skipped"]:
        out.append("## Skipped\n")
        out += [f"- {item}" for item in results["skipped"]] + [""]
    if results["errors"]:
        out.append("## Errors\n")
        for error in results["errors"]:
            first = error["error"].strip().splitlines() or [""]
            out.append(f"- {error['where']}: {first[-1]}")
        out.append("")
    return "\n".join(out)


def check_inputs(trees, python, plan):
    for label, tree in trees.items():
        if not (tree / "django" / "__init__.py").is_file():
            raise ForkError(
                f"{label} tree {tree} has no django/ package: pass its root"
            )
    if not (BENCH_DIR / "worker.py").is_file():
        raise ForkError(f"{BENCH_DIR} lacks the benchmark project: restore bench/")
    modules = ["asgiref", "sqlparse"]
    if {"throughput", "services"} & set(plan.phases):
        modules.append("uvicorn")
    probe = subprocess.run(
        [str(python), "-c", f"import {', '.join(modules)}"],
        capture_output=True,
        text=True,
    )
    if probe.returncode:
        raise ForkError(
            f"{python} cannot import {', '.join(modules)}: pip install "
            f"asgiref sqlparse {' '.join(REQUIREMENTS)} into it"
        )


def run(upstream_tree, fork_tree, python, out_dir, quick=False, only=None):
    """
    Measure both trees and write out_dir/results.md, results.json and (full
    mode) PNG charts. Return the results; raise ForkError if a scenario
    crashed, after writing them. `only`: names of PHASES to run, instead of
    those of the mode.
    """
    trees = {
        "upstream": Path(upstream_tree).resolve(),
        "fork": Path(fork_tree).resolve(),
    }
    python = Path(python)
    if not shutil.which(str(python)):
        raise ForkError(f"no Python interpreter at {python}")
    if len(python.parts) > 1:
        # Children run in bench/. Not resolve(): a venv's python is a symlink.
        python = python.absolute()
    plan = Plan(quick, only)
    check_inputs(trees, python, plan)
    out_dir = Path(out_dir)
    (out_dir / "logs").mkdir(parents=True, exist_ok=True)
    results = Bench(trees, python, out_dir, plan).run()
    log(f"wrote {out_dir / 'results.md'}")
    if results["errors"]:
        raise ForkError(
            f"{len(results['errors'])} benchmark scenario(s) crashed: see "
            f"{out_dir / 'results.md'} and {out_dir / 'logs'}"
        )
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--upstream", required=True, type=Path, help="pristine tree")
    parser.add_argument("--fork", required=True, type=Path, help="patched tree")
    parser.add_argument("--out", required=True, type=Path, help="output folder")
    parser.add_argument(
        "--python",
        default=sys.executable,
        help="interpreter with Django's requirements and uvicorn (default: this one)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="thread hops, PBKDF2 storm, large body and a short services phase",
    )
    # Partial runs, to work on one phase: not a benchmark of their own.
    parser.add_argument(
        "--only", nargs="+", choices=PHASES, metavar="PHASE", help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    try:
        run(
            args.upstream,
            args.fork,
            args.python,
            args.out,
            quick=args.quick,
            only=args.only,
        )
    except ForkError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print((args.out / "results.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
