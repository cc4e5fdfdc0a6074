"""What the benchmarks share: their own PostgreSQL database, Django's setup, counting and timing.

Not a benchmark itself (``make bench`` skips files starting with ``_``). Each benchmark imports it as
``_support`` (run as ``python benchmarks/x.py``, the script's folder is first on ``sys.path``) and
passes its own name (for messages) and its own database's name: the server ``DATABASE_URL`` names is
only used to create and drop that database, never its own database.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date
from urllib.parse import urlsplit, urlunsplit

POSTGRES_SCHEMES = ("postgres", "postgresql", "pgsql", "psql")


# --- The benchmark's own database --------------------------------------------------------------------


def refuse(script: str, message: str) -> None:
    print(f"{script}: {message}", file=sys.stderr)
    sys.exit(2)


def server_url(script: str, database: str) -> str:
    """``DATABASE_URL`` if it names a PostgreSQL server; otherwise the script stops (exit status 2)."""
    url = os.environ.get("DATABASE_URL", "")
    scheme = urlsplit(url).scheme
    if scheme not in POSTGRES_SCHEMES:
        refuse(script, "needs PostgreSQL. Set DATABASE_URL to a PostgreSQL server, e.g.\n"
               "    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hyresadmin make bench\n"
               f"(its database is not used: the benchmark creates and drops its own, {database}). "
               f"Got {'nothing' if not url else scheme + '://…'}.")
    return url


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def admin_connection(url: str, *, script: str, database: str):
    """An autocommit connection to the server's maintenance database, to create and drop ours."""
    import psycopg

    parts = urlsplit(url)
    kwargs = {"host": parts.hostname or None, "port": parts.port or 5432, "user": parts.username or None,
              "password": parts.password or None, "autocommit": True}
    error = None
    for dbname in ("postgres", parts.path.lstrip("/")):
        if not dbname or dbname == database:
            continue
        try:
            return psycopg.connect(dbname=dbname, **kwargs)
        except psycopg.OperationalError as exc:
            error = exc
    refuse(script, f"cannot connect to the PostgreSQL server: {error}")


def recreate_database(url: str, *, script: str, database: str) -> None:
    with admin_connection(url, script=script, database=database) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')


def drop_database(url: str, *, script: str, database: str) -> None:
    with admin_connection(url, script=script, database=database) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def setup_django(url: str, *, database: str, media_root: str | None = None) -> None:
    """Point Django at our database (and ``media_root``), quieten the services' logging, set it up."""
    os.environ["DATABASE_URL"] = with_database(url, database)
    if media_root is not None:
        os.environ["MEDIA_ROOT"] = media_root
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hyresadmin.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # the services log one line per run
    import django

    django.setup()


def migrate(*, database: str, width: int) -> None:
    """Migrate our database; print how long it took (the label ``width`` wide, as the script's lines)."""
    from django.core.management import call_command

    start = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    print(f"{'migrate':<{width}} database={database}  {time.perf_counter() - start:.1f} s", flush=True)


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics, as autovacuum would have after a real load


# --- Counting queries and timing ---------------------------------------------------------------------


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def measure(func, *, repeat: int, reset=None):
    """Run ``func`` ``repeat`` times (``reset`` between runs, untimed). Returns the wall-clock times,
    this process's CPU times (the Python side; the database server's work is not in it) and the
    number of queries of each run."""
    from django.db import connection

    times, cpu, counts = [], [], []
    for i in range(repeat):
        if i and reset:
            reset()
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            start, start_cpu = time.perf_counter(), time.process_time()
            func()
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        counts.append(counter.count)
    return times, cpu, counts


# --- Data --------------------------------------------------------------------------------------------


def personal_number(birth: date, serial: int) -> str:
    """A valid Swedish personal number (Luhn check digit) for ``birth`` and a three-digit ``serial``."""
    nine = f"{birth:%y%m%d}{serial:03d}"
    total = 0
    for i, ch in enumerate(nine):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return f"{birth:%Y}"[:2] + nine + str((10 - total % 10) % 10)
