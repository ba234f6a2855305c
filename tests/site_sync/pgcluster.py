"""A throwaway PostgreSQL cluster for the site tests and benchmarks: initdb in a temp
folder, a Unix socket there plus 127.0.0.1 on a free port, run as a non-root user
(initdb refuses root: as root it runs as the `postgres` user, or FACEAPP_PG_USER)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def pg_bin() -> Path | None:
    """The folder with initdb and pg_ctl: $FACEAPP_PG_BIN, PATH, or Debian's layout."""
    env = os.environ.get("FACEAPP_PG_BIN")
    if env and (Path(env) / "initdb").exists():
        return Path(env)
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent  # a symlink in PATH: the folder with pg_dump too
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    return Path(dirs[-1]) if dirs and (Path(dirs[-1]) / "initdb").exists() else None


def missing_reason() -> str | None:
    """Why no cluster can be started here (None: it can)."""
    if pg_bin() is None:
        return "PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql (or set FACEAPP_PG_BIN)"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install 'psycopg[binary]')"
    if os.geteuid() == 0:
        user = os.environ.get("FACEAPP_PG_USER", "postgres")
        try:
            pwd.getpwnam(user)
        except KeyError:
            return f"running as root and there is no user {user!r} to run PostgreSQL as (initdb refuses root)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgCluster:
    def __init__(self, durable: bool = False) -> None:
        """durable=False (tests): no fsync, for speed; True (benchmarks): the defaults."""
        self.bin = pg_bin()
        self.dir = Path(tempfile.mkdtemp(prefix="faceapp-pg-"))
        self.data = self.dir / "data"
        self.port = _free_port()
        self.user = None
        if os.geteuid() == 0:
            self.user = os.environ.get("FACEAPP_PG_USER", "postgres")
            pw = pwd.getpwnam(self.user)
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        os.chmod(self.dir, 0o755)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")
        conf = (f"listen_addresses = '127.0.0.1'\nport = {self.port}\nunix_socket_directories = '{self.dir}'\n"
                "max_connections = 60\n" + ("" if durable else "fsync = off\nfull_page_writes = off\n"))
        with open(self.data / "postgresql.conf", "a") as fh:
            fh.write(conf)

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(self.bin / tool), *args]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=check, cwd=self.dir)

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), "-w", "-t", "30", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop", check=False)

    def running(self) -> bool:
        return self._run("pg_ctl", "-D", str(self.data), "status", check=False).returncode == 0

    def dsn(self, dbname: str = "postgres", tcp: bool = False, port: int | None = None) -> str:
        host = "127.0.0.1" if tcp else str(self.dir)
        return f"host={host} port={port or self.port} dbname={dbname} user=postgres"

    def create_db(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.dsn(name)

    def drop_db(self, dsn: str) -> None:
        import psycopg
        from psycopg.conninfo import conninfo_to_dict

        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{conninfo_to_dict(dsn)["dbname"]}" WITH (FORCE)')

    def dump(self, dbname: str, target: Path) -> None:
        self._run("pg_dump", "-h", str(self.dir), "-p", str(self.port), "-U", "postgres", "-Fc",
                  "-f", str(self.dir / "dump.tmp"), dbname)
        shutil.copy(self.dir / "dump.tmp", target)

    def restore(self, dbname: str, source: Path) -> None:
        """Replace the database with a dump taken earlier (the server "restored from backup")."""
        import psycopg

        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{dbname}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{dbname}"')
        shutil.copy(source, self.dir / "restore.tmp")
        os.chmod(self.dir / "restore.tmp", 0o644)
        self._run("pg_restore", "-h", str(self.dir), "-p", str(self.port), "-U", "postgres", "-d", dbname,
                  str(self.dir / "restore.tmp"))

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)
