"""Benchmark of ``mcp-access expire``'s Directus side: N expired members ended on a fresh local Directus.

Usage: ``.venv/bin/python tools/expire_benchmark.py [N ...] [--line 12|11]`` (default 10 100 300).

For each N it creates N active users with a role and a static token (one batch ``POST /users``), then times
:func:`components.ops.expire.run.expire_due` as ``expire`` calls it: one listing of the due users, one OAuth
listing, one ``PATCH /users/:id`` per member. A second run (everything already ended) shows the no-op cost.
Not included: reading the stack's outputs and config through the Pulumi CLI (two CLI calls, about a second,
independent of N). Nothing is asserted: it prints numbers.
"""

from __future__ import annotations

import argparse
import secrets
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from components.directus.client import DirectusClient
from components.localdev.profiles import start_profile
from components.ops.expire.plan import Due
from components.ops.expire.run import expire_due


def bench(n: int, line: str) -> None:
    with (
        tempfile.TemporaryDirectory(prefix="expire-bench-") as folder,
        start_profile("sqlite", Path(folder), line=line) as running,
    ):
        instance = running.instance
        with DirectusClient(instance.url, instance.admin_token, timeout=120) as client:
            role = client.create("/roles", {"name": "bench"})["id"]
            users = client.create_many(
                "/users",
                [
                    {"email": f"ai-{i}@bench-example.com", "role": role, "status": "active",
                     "token": secrets.token_urlsafe(32)}
                    for i in range(n)
                ],
            )  # fmt: skip
            now = datetime.now(UTC)
            items = [
                Due(f"m{i}", str(u["id"]), str(u["email"]), now - timedelta(hours=1), None, None)
                for i, u in enumerate(users)
            ]
            for label in ("expire (all due)", "expire again (nothing left)"):
                started = time.monotonic()
                result = expire_due(client, "bench", items, now)
                took = time.monotonic() - started
                print(
                    f"N={n:4d} Directus {instance.version}: {label}: ended {len(result.ended)}, "
                    f"already ended {len(result.unchanged)}, {took:.2f}s ({took / n * 1000:.1f} ms per member)",
                    flush=True,
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10, 100, 300])
    parser.add_argument("--line", default="12", choices=("11", "12"))
    args = parser.parse_args()
    for n in args.sizes:
        bench(n, args.line)


if __name__ == "__main__":
    main()
