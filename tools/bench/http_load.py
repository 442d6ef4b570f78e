"""Load against a real server: gunicorn started on a free port of 127.0.0.1, and a client
harness of concurrent threads, each with its own HTTP connection (``http.client``), sending
the requests of a list until it is done or the time is up.

Every request goes to 127.0.0.1; the number of requests and the time are both bounded.
"""

from __future__ import annotations

import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

HOST = "127.0.0.1"
#: Seconds a server has to start answering /healthz.
START_TIMEOUT = 60
#: Seconds a request may take before the client gives up on it.
REQUEST_TIMEOUT = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class ServerSettings:
    """How gunicorn serves the app and the floor alike."""

    workers: int = 4
    worker_class: str = "sync"
    threads: int = 1

    def describe(self) -> str:
        if self.worker_class == "sync":
            return (f"gunicorn, {self.workers} sync workers (no keep-alive: a connection per "
                    "request)")
        threads = f" × {self.threads} threads" if self.worker_class == "gthread" else ""
        return f"gunicorn, {self.workers} {self.worker_class} workers{threads}"


class Gunicorn:
    """``gunicorn APP`` from this virtual environment, as a context manager: started and
    answering /healthz on entry, stopped (by its own process id) on exit, error or not."""

    def __init__(self, app: str, settings: ServerSettings, env: dict[str, str]):
        self.app = app
        self.settings = settings
        self.env = {**os.environ, **env}
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self._log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed in __exit__)

    def __enter__(self) -> Gunicorn:
        executable = Path(sys.executable).with_name("gunicorn")
        command = [str(executable), "--bind", f"{HOST}:{self.port}",
                   "--workers", str(self.settings.workers),
                   "--worker-class", self.settings.worker_class,
                   "--threads", str(self.settings.threads),
                   "--timeout", "60", "--graceful-timeout", "10",
                   "--log-level", "warning", self.app]
        self.process = subprocess.Popen(command, env=self.env, stdout=self._log,
                                        stderr=subprocess.STDOUT,
                                        cwd=str(Path(__file__).resolve().parents[2]))
        try:
            self._wait_until_answering()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _wait_until_answering(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with status {self.process.returncode}:\n"
                                   + self.log_tail())
            try:
                connection = http.client.HTTPConnection(HOST, self.port, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    connection.close()
                    return
                connection.close()
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer /healthz within {START_TIMEOUT} s:\n"
                           + self.log_tail())

    def log_tail(self, lines: int = 20) -> str:
        self._log.seek(0)
        return "".join(self._log.readlines()[-lines:])

    def __exit__(self, *exc) -> None:
        process = self.process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        self._log.close()


# --- clients -------------------------------------------------------------------------------

@dataclass
class Browser:
    """One signed-in browser: its cookies (the session cookie, renewed by every response)
    and the CSRF token of its session."""

    cookies: dict[str, str]
    csrf_token: str = ""

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def remember(self, response: http.client.HTTPResponse) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value and "Max-Age=0" not in header:
                self.cookies[name.strip()] = value
            else:
                self.cookies.pop(name.strip(), None)


def send(connection: http.client.HTTPConnection, method: str, path: str, browser: Browser,
         form: dict[str, str] | None = None) -> tuple[int, bytes]:
    """One request with the browser's cookies; the body is read whole (so the connection
    can be used again) and the cookies the server set are kept."""
    headers = {"Cookie": browser.cookie_header(), "User-Agent": "gmis-bench"}
    body = None
    if form is not None:
        body = urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    content = response.read()
    browser.remember(response)
    return response.status, content


@dataclass(frozen=True)
class Job:
    """One request of a run: whose, where, what."""

    browser: Browser
    path: str
    form: dict[str, str]
    #: What the run's caller needs to check the outcome, e.g. (facility id, period key).
    tag: object = None


@dataclass
class Outcome:
    job: Job
    started: float
    ended: float
    #: The HTTP status, or 0 when the request failed (connection refused, timed out).
    status: int


@dataclass
class RunResult:
    outcomes: list[Outcome]
    #: Requests that started after the warm-up count for the rate and the latencies.
    warmup: float
    started: float
    ended: float
    errors: Counter = field(default_factory=Counter)

    @property
    def counted(self) -> list[Outcome]:
        counted = [o for o in self.outcomes if o.started >= self.started + self.warmup]
        return counted if len(counted) >= 50 else self.outcomes

    @property
    def rate(self) -> float:
        counted = self.counted
        if not counted:
            return 0.0
        span = max(o.ended for o in counted) - min(o.started for o in counted)
        return len(counted) / span if span > 0 else 0.0

    def latency(self, quantile: float) -> float:
        latencies = sorted(o.ended - o.started for o in self.counted)
        if not latencies:
            return 0.0
        if len(latencies) == 1:
            return latencies[0]
        return statistics.quantiles(latencies, n=1000, method="inclusive")[
            min(998, max(0, round(quantile * 1000) - 1))]

    def statuses(self) -> Counter:
        return Counter(o.status for o in self.outcomes)


def run_jobs(port: int, jobs: Sequence[Job], *, clients: int, seconds: float,
             warmup: float = 2.0) -> RunResult:
    """Send ``jobs`` in order from ``clients`` threads, until all are sent or ``seconds``
    have passed (a request under way then is finished; nothing new starts)."""
    lock = threading.Lock()
    position = [0]
    results: list[list[Outcome]] = [[] for _ in range(clients)]
    errors: Counter = Counter()
    started = time.perf_counter()
    deadline = started + seconds

    def next_job() -> Job | None:
        with lock:
            if position[0] >= len(jobs) or time.perf_counter() >= deadline:
                return None
            job = jobs[position[0]]
            position[0] += 1
            return job

    def client(number: int) -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
        try:
            while (job := next_job()) is not None:
                begun = time.perf_counter()
                try:
                    status, _ = send(connection, "POST", job.path, job.browser, job.form)
                except (OSError, http.client.HTTPException) as error:
                    status = 0
                    with lock:
                        errors[type(error).__name__] += 1
                    connection.close()
                results[number].append(Outcome(job, begun, time.perf_counter(), status))
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + REQUEST_TIMEOUT + 10)
    outcomes = sorted((o for r in results for o in r), key=lambda o: o.started)
    return RunResult(outcomes, warmup, started, time.perf_counter(), errors)


def in_parallel(work: Callable[[http.client.HTTPConnection, object], None],
                items: Sequence, *, port: int, threads: int = 8) -> None:
    """``work(connection, item)`` for every item, from a few threads (set-up requests)."""
    lock = threading.Lock()
    position = [0]
    failures: list[BaseException] = []

    def worker() -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
        try:
            while not failures:
                with lock:
                    if position[0] >= len(items):
                        return
                    item = items[position[0]]
                    position[0] += 1
                work(connection, item)
        except BaseException as error:  # reported by the caller's thread
            failures.append(error)
        finally:
            connection.close()

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(len(items) * REQUEST_TIMEOUT)
    if failures:
        raise failures[0]
