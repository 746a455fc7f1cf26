"""The two stores the storage suite runs on: a SQLite file, and a run on a real PostgreSQL server.

The server is the one `SIM_TEST_POSTGRES_URL` names (`.ci/run` starts Debian's cluster and sets
it), or else a throwaway cluster this session starts itself (initdb in a temp folder, on a free
port on 127.0.0.1, as the `postgres` user when the tests run as root). When neither can be had,
the PostgreSQL half of the suite is skipped with the reason, which `pytest -ra` prints.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sim.store.location import RunDb

ENV = "SIM_TEST_POSTGRES_URL"
NewDb = Callable[[str], RunDb]


def _initdb() -> Path | None:
    """Debian's initdb (not on PATH there), or any on PATH."""
    found = shutil.which("initdb") or next(
        iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)), None
    )
    return Path(found) if found else None


def _as_server_user(argv: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run it as `postgres` then."""
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", "postgres", "--", *argv]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A server URL (no ?run=) whose user may create schemas, or a skip saying why not."""
    try:
        import psycopg
    except ImportError:
        pytest.skip("PostgreSQL tests need psycopg: pip install -e '.[postgres]'")
    if os.environ.get(ENV):
        yield os.environ[ENV]
        return
    initdb = _initdb()
    if initdb is None:
        pytest.skip(f"no PostgreSQL server: set {ENV}, or install postgresql (initdb not found)")
    if os.geteuid() == 0:
        try:
            server_user = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("no PostgreSQL server: running as root and there is no `postgres` user")
    root = Path(tempfile.mkdtemp(prefix="sim-postgres-"))  # pytest's own folders are 0700
    data, sockets, log = root / "data", root / "sock", root / "server.log"
    sockets.mkdir()
    if os.geteuid() == 0:
        root.chmod(0o755)
        for path in (root, sockets):
            os.chown(path, server_user.pw_uid, server_user.pw_gid)
    port = _free_port()
    pg_ctl = initdb.with_name("pg_ctl")
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
    steps = [
        [str(initdb), "-D", str(data), "-U", "sim", "--auth=trust", "-E", "UTF8"],
        [str(pg_ctl), "-D", str(data), "-o", options, "-l", str(log), "-w", "start"],
    ]
    for argv in steps:
        done = subprocess.run(_as_server_user(argv), capture_output=True, text=True)
        if done.returncode != 0:
            message = (done.stderr or done.stdout).strip().splitlines()[-1:]
            pytest.skip(f"no PostgreSQL server: {Path(argv[0]).name} failed: {message}")
    try:
        with psycopg.connect(f"postgresql://sim@127.0.0.1:{port}/postgres", autocommit=True) as c:
            c.execute("CREATE DATABASE sim")
        yield f"postgresql://sim@127.0.0.1:{port}/sim"
    finally:
        stop = [str(pg_ctl), "-D", str(data), "-m", "immediate", "stop"]
        subprocess.run(_as_server_user(stop), capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def new_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[NewDb]:
    """Names for new runs in one store: files in a temp folder, or fresh runs on the server
    (dropped afterwards, so a shared server does not fill up)."""
    if request.param == "sqlite":
        yield lambda name: tmp_path / f"{name}.db"
        return
    server = request.getfixturevalue("postgres_url")
    tag = uuid.uuid4().hex[:10]
    separator = "&" if "?" in server else "?"
    yield lambda name: f"{server}{separator}run={name}-{tag}"
    drop_runs(server, f"%{tag}%")


@pytest.fixture
def server_run(postgres_url: str) -> Iterator[Callable[[str], str]]:
    """URLs of fresh runs on the server (NAME-TAG), dropped after the test."""
    tag = uuid.uuid4().hex[:10]
    separator = "&" if "?" in postgres_url else "?"
    yield lambda name: f"{postgres_url}{separator}run={name}-{tag}"
    drop_runs(postgres_url, f"%{tag}%")


def drop_runs(server: str, pattern: str) -> None:
    """Drop the runs whose names match a LIKE pattern."""
    import psycopg

    with psycopg.connect(server.split("?")[0], autocommit=True) as conn:
        names = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", (f"run\\_{pattern}",)
        ).fetchall()
        for (name,) in names:
            conn.execute(f'DROP SCHEMA "{name}" CASCADE')
