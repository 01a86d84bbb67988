"""A throwaway redis-server for the tests that need a real Redis (the worker tests).

Use the session-scoped ``redis_url`` fixture by importing it into tests/conftest.py::

    from tests.redis_server import redis_url  # noqa: F401

The server listens on a free loopback port, keeps nothing on disk (``--save "" --appendonly no``,
data dir in a pytest tmp dir) and is stopped when the session ends. Without redis-server on PATH
the tests that need it are skipped with a clear reason; with ``REQUIRE_SERVICES=1`` (CI sets it)
they fail instead, so a missing service can never pass silently.

``start_redis`` / ``stop_process`` / ``free_port`` are plain functions for anything that wants a
server outside pytest's fixture machinery.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

LOOPBACK = "127.0.0.1"
START_TIMEOUT = 20.0  # seconds for redis-server to answer PING
STOP_TIMEOUT = 10.0  # seconds between SIGTERM and SIGKILL


def services_required() -> bool:
    return os.environ.get("REQUIRE_SERVICES", "").strip().lower() in {"1", "true", "yes", "on"}


def missing_service(reason: str):
    """Skip the requesting test, or fail it when REQUIRE_SERVICES=1 (CI)."""
    if services_required():
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1, so this is an error, not a skip)")
    pytest.skip(f"{reason}; install it (Debian: apt-get install redis-server) to run this test")


def free_port() -> int:
    """A TCP port nobody is listening on right now, on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    """preexec_fn: ask Linux to SIGTERM the child if the test process dies without cleaning up."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def spawn(args: list[str], *, log_path: Path, env: dict[str, str] | None = None, cwd=None):
    """Start a service in its own session (so it can be stopped as a group), logging to a file."""
    with open(log_path, "ab") as log:
        return subprocess.Popen(  # noqa: S603 - fixed argument lists, no shell
            args,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=cwd,
            start_new_session=True,
            preexec_fn=_die_with_parent if os.name == "posix" else None,  # noqa: PLW1509
        )


def stop_process(proc: subprocess.Popen, timeout: float = STOP_TIMEOUT) -> None:
    """SIGTERM the process group, SIGKILL it after ``timeout`` seconds, and reap the leader."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=timeout)
    # Anything left in the group (children of the leader) goes now, politely asked or not.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=timeout)


def log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def redis_ping(port: int, timeout: float = 1.0) -> bool:
    """True when a Redis server on the loopback ``port`` answers PING with PONG."""
    try:
        with socket.create_connection((LOOPBACK, port), timeout=timeout) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


@dataclass
class RedisServer:
    process: subprocess.Popen
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"redis://{LOOPBACK}:{self.port}/0"

    def stop(self) -> None:
        stop_process(self.process)


def start_redis(
    data_dir: Path, timeout: float = START_TIMEOUT, port: int | None = None
) -> RedisServer:
    """Start redis-server on a free loopback port (or on `port`, to bring a stopped server back
    where its clients expect it), persisting nothing; wait until it answers PING.

    Raises FileNotFoundError without redis-server on PATH, RuntimeError if it does not come up.
    """
    binary = shutil.which("redis-server")
    if binary is None:
        raise FileNotFoundError("redis-server is not installed (not found on PATH)")
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir / "redis.log"
    wanted = port
    for _attempt in range(3):  # a free port can be taken between choosing and binding it
        port = wanted or free_port()
        args = [binary, "--port", str(port), "--bind", LOOPBACK, "--save", "", "--appendonly", "no"]
        args += ["--dir", str(data_dir), "--daemonize", "no", "--protected-mode", "yes"]
        process = spawn(args, log_path=log_path)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and process.poll() is None:
            if redis_ping(port):
                return RedisServer(process=process, port=port, log_path=log_path)
            time.sleep(0.05)
        stop_process(process)
    raise RuntimeError(
        f"redis-server did not answer PING within {timeout:.0f}s:\n{log_tail(log_path)}"
    )


# One server per test session (per xdist worker: each is its own session), shared even if the
# fixture ends up registered twice (for example imported by both tests/conftest.py and a test
# module): the last user stops it.
_shared: dict = {"server": None, "users": 0}


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory) -> str:
    """URL of a real, empty, throwaway Redis on a loopback port, for the whole test session."""
    if _shared["server"] is None:
        try:
            _shared["server"] = start_redis(tmp_path_factory.mktemp("redis"))
        except FileNotFoundError as exc:
            missing_service(str(exc))
    _shared["users"] += 1
    server = _shared["server"]
    try:
        yield server.url
    finally:
        _shared["users"] -= 1
        if _shared["users"] == 0:
            _shared["server"] = None
            server.stop()
