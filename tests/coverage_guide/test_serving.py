"""The production app server's configuration (coverage_guide/gunicorn_conf.py) and `make serve`'s
refusal to start without its environment (scripts/serve.sh). The running stack itself is used
over HTTP by `make smoke` (scripts/smoke.py), which CI runs on PostgreSQL."""

import datetime
import importlib.util
import os
import subprocess
from pathlib import Path
from types import SimpleNamespace

from gunicorn.config import Config
from gunicorn.glogging import Logger

ROOT = Path(__file__).resolve().parent.parent.parent
CONF = ROOT / "coverage_guide" / "gunicorn_conf.py"


def _gunicorn_config(monkeypatch, **env: str) -> Config:
    """Gunicorn's own Config loaded from our file, as `gunicorn -c` does, under ``env``."""
    for name in ("WEB_CONCURRENCY", "GUNICORN_BIND", "PORT", "GUNICORN_THREADS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("gunicorn_conf_under_test", CONF)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    config = Config()
    for name, value in vars(module).items():
        if name in config.settings:
            config.set(name, value)
    return config


def test_workers_and_address_come_from_the_environment(monkeypatch):
    config = _gunicorn_config(monkeypatch, WEB_CONCURRENCY="7", GUNICORN_BIND="0.0.0.0:9000")
    assert config.workers == 7
    assert config.bind == ["0.0.0.0:9000"]
    assert config.timeout == 30

    default = _gunicorn_config(monkeypatch, PORT="8123")
    assert default.workers == 2 * len(os.sched_getaffinity(0)) + 1
    assert default.bind == ["127.0.0.1:8123"]  # loopback unless told: the proxy is in front


def test_the_access_log_has_neither_query_string_nor_referrer(monkeypatch):
    config = _gunicorn_config(monkeypatch)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/cases/?q=sertraline+overdose",
        "PATH_INFO": "/cases/",
        "QUERY_STRING": "q=sertraline+overdose",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": "https://example.org/search?q=ketamine+suicidal",
        "HTTP_USER_AGENT": "Firefox",
    }
    response = SimpleNamespace(status="200 OK", sent=512, headers=[])
    request = SimpleNamespace(headers=[])
    atoms = Logger(config).atoms(response, request, environ, datetime.timedelta(milliseconds=42))
    line = config.access_log_format % atoms

    assert '"GET /cases/ HTTP/1.1" 200 512 42ms' in line
    assert "sertraline" not in line
    assert "suicidal" not in line


def test_make_serve_refuses_to_start_without_its_environment(tmp_path):
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path)}
    result = subprocess.run(  # noqa: S603 - our own script
        ["bash", str(ROOT / "scripts" / "serve.sh")],  # noqa: S607
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS"):
        assert name in result.stderr
    assert "Deploying" in result.stderr
