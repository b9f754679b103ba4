"""A page under concurrent load: gunicorn on loopback with production settings, driven by a thread pool."""

import http.client
import itertools
import os
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.management import call_command
from django.core.management.utils import get_random_secret_key
from django.test import override_settings
from django.urls import reverse
from django.utils.module_loading import import_string

from .measure import percentile

CLIENTS = 8
REQUESTS = 400
SECONDS = 20.0
HOST = "127.0.0.1"
TIMEOUT = 60.0
WORKERS = 2 * (os.cpu_count() or 1)


def collect_static() -> None:
    """Production settings name static files from the manifest that collectstatic writes."""
    if isinstance(staticfiles_storage, ManifestFilesMixin):
        call_command("collectstatic", interactive=False, verbosity=0)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def user_backend() -> str:
    """The first backend that can load a signed-in user (django-axes' comes first and only checks sign-ins)."""
    return next(path for path in settings.AUTHENTICATION_BACKENDS if hasattr(import_string(path), "get_user"))


def signed_in_session(user, secret_key: str) -> SessionStore:
    """A signed-in session for `user`, written straight to the session store under the server's key."""
    with override_settings(SECRET_KEY=secret_key):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = user_backend()
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
    return session


def get(port: int, path: str, headers: dict, timeout: float = TIMEOUT) -> int:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def start_gunicorn(port: int, secret_key: str, log) -> subprocess.Popen:
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secret_key,
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "0",
        "DJANGO_SETTINGS_MODULE": "alliance.settings",
    }
    command = [sys.executable, "-m", "gunicorn", "alliance.wsgi:application", f"--bind={HOST}:{port}"]
    command += [f"--workers={WORKERS}", "--log-level=warning", f"--chdir={settings.BASE_DIR}"]
    return subprocess.Popen(  # noqa: S603 - a fixed command line run with this interpreter
        command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def wait_until_ready(server: subprocess.Popen, port: int) -> None:
    """Wait for the sign-in page, which is cheap, so that a slow page is not mistaken for a server not started."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and server.poll() is None:
        try:
            get(port, reverse(settings.LOGIN_URL), {}, timeout=5)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within 30 s")


def drive(port: int, path: str, headers: dict, clients: int, requests: int, seconds: float) -> dict:
    """`clients` threads share `requests` requests until they are done or `seconds` have passed."""
    tickets, latencies, statuses = itertools.count(), [], []
    deadline = time.monotonic() + seconds

    def client():
        while time.monotonic() < deadline and next(tickets) < requests:
            started = time.perf_counter()
            try:
                statuses.append(get(port, path, headers))
            except OSError:  # a timeout or a dropped connection counts as an error, not as a latency
                statuses.append(None)
                continue
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(client) for _ in range(clients)]:
            future.result()
    elapsed = time.perf_counter() - started
    return {
        "clients": clients,
        "requests": len(statuses),
        "errors": sum(status != 200 for status in statuses),
        "seconds": round(elapsed, 2),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 1) if latencies else None,
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1) if latencies else None,
    }


def run(label: str, path: str, user, clients=CLIENTS, requests=REQUESTS, seconds=SECONDS) -> dict:
    """Serve the site with gunicorn, warm it up, then measure `path` under `clients` concurrent clients."""
    collect_static()
    secret_key = get_random_secret_key()
    # Behind a proxy that terminates TLS, the site may expect to be told the request was secure.
    session = signed_in_session(user, secret_key)
    headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}", "X-Forwarded-Proto": "https"}
    port = free_port()
    with tempfile.TemporaryFile() as log:
        server = start_gunicorn(port, secret_key, log)
        try:
            try:
                wait_until_ready(server, port)
            except RuntimeError as error:
                log.seek(0)
                raise RuntimeError(f"{error}: {log.read().decode()[-2000:]}") from error
            warm_up = drive(port, path, headers, WORKERS, WORKERS, seconds)
            if warm_up["errors"]:
                return {"label": label, "path": path, "note": f"{warm_up['errors']} of the warm-up requests failed"}
            return {"label": label, "path": path, **drive(port, path, headers, clients, requests, seconds)}
        finally:
            session.delete()
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
