"""A production-style run: collectstatic, then gunicorn with whitenoise serves the login page and static files."""

import re
import socket
import subprocess
import sys
import time
import urllib.request
from urllib.error import URLError

import pytest

from tests.access_helpers import ROOT, production_env

pytestmark = pytest.mark.slow  # each test starts gunicorn

STARTUP_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run(*args: str, env: dict) -> None:
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)  # noqa: S603
    assert result.returncode == 0, result.stderr


def fetch(url: str):
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - a loopback URL we built
        return response.status, response.headers, response.read().decode()


def wait_until_serving(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        assert server.poll() is None, server.stderr.read()
        try:
            fetch(url)
            return
        except (URLError, ConnectionError):
            time.sleep(0.25)
    pytest.fail(f"gunicorn did not answer within {STARTUP_SECONDS} s")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("production")
    env = production_env(
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        STATIC_ROOT=str(tmp_path / "static"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    run(sys.executable, "manage.py", "collectstatic", "--no-input", "-v0", env=env)
    run(sys.executable, "manage.py", "migrate", "--no-input", "-v0", env=env)
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "alliance.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: S603
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(f"{base}/accounts/login/", process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_gunicorn_serves_the_login_page_and_hashed_static_files(server):
    status, headers, page = fetch(f"{server}/accounts/login/")
    assert status == 200
    assert "Sign in" in page
    assert headers["X-Frame-Options"] == "DENY"

    status, _, admin_login = fetch(f"{server}/admin/login/")
    css = re.search(r"/static/admin/css/base\.[0-9a-f]{12}\.css", admin_login)
    assert status == 200 and css, "the admin's CSS is linked by its hashed, cacheable name"
    status, headers, body = fetch(server + css.group(0))
    assert status == 200
    assert "max-age=315360000" in headers["Cache-Control"]
    assert body.strip()


def test_gunicorn_sends_an_anonymous_visitor_to_sign_in(server):
    status, _, page = fetch(f"{server}/")
    assert status == 200
    assert "Sign in" in page
