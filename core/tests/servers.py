"""A real server process on a scratch PostgreSQL database, for crash-safety tests:
start gunicorn, kill it with SIGKILL mid-request, start it again."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ScratchDatabase:
    """A throwaway PostgreSQL database with the project's schema."""

    def __init__(self, base_url: str, name: str):
        self.admin_dsn = base_url.rsplit("/", 1)[0] + "/postgres"
        self.name = name
        self.url = base_url.rsplit("/", 1)[0] + "/" + name

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
        env["DATABASE_URL"] = self.url
        return env

    def __enter__(self):
        self._execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self._execute(f'CREATE DATABASE "{self.name}"')
        try:
            subprocess.run([str(BIN / "python"), "manage.py", "migrate", "-v", "0"], cwd=ROOT,
                           env=self.env(), check=True, timeout=600)
        except BaseException:
            self.__exit__(None, None, None)  # a failed migrate must not leave the database
            raise
        return self

    def __exit__(self, *exc):
        self._execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def _execute(self, sql: str):
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(sql)

    def run_python(self, code: str) -> str:
        result = subprocess.run([str(BIN / "python"), "manage.py", "shell", "-c", code],
                                cwd=ROOT, env=self.env(), capture_output=True, text=True,
                                timeout=300)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    def scalar(self, sql: str, params=()):
        with psycopg.connect(self.url) as conn:
            return conn.execute(sql, params).fetchone()[0]


class Server:
    def __init__(self, db: ScratchDatabase):
        self.db = db
        self.port = _free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        env = self.db.env()
        env["ALLOWED_HOSTS"] = "127.0.0.1"
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "config.wsgi", "-b", f"127.0.0.1:{self.port}", "-w", "1",
             "--timeout", "300", "--graceful-timeout", "1"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        # A first request that is merely slow (a loaded machine) is waited for; a server
        # that never answers is killed rather than left running.
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, "gunicorn exited"
            try:
                requests.get(self.url + "/login/", timeout=10)
                return self
            except requests.RequestException:
                time.sleep(0.1)
        self.kill()
        raise RuntimeError("server did not start")

    def kill(self):
        """SIGKILL the whole process group: master and worker die mid-request."""
        if self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
            self.proc = None

    def stop(self):
        if self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
            self.proc = None
