"""Local Directus deployments by profile: ``sqlite`` (one instance, the default) and ``postgres-redis``
(PostgreSQL + Redis, two instances on one database, the shape production runs). One module per profile.

Each profile starts its services and Directus and returns a :class:`RunningDirectus`; ``stop`` undoes all.
"""

from __future__ import annotations

from pathlib import Path

from components.localdev.profiles import postgres_redis, sqlite
from components.localdev.profiles.base import RunningDirectus
from components.localdev.server import DEFAULT_LINE, LocalDirectusError

PROFILES = {"sqlite": sqlite.start, "postgres-redis": postgres_redis.start}
DEFAULT_PROFILE = "sqlite"

__all__ = ["DEFAULT_PROFILE", "PROFILES", "RunningDirectus", "start_profile"]


def start_profile(
    profile: str,
    data_dir: Path,
    *,
    line: str = DEFAULT_LINE,
    extra_env: dict[str, str] | None = None,
    extensions: tuple[Path, ...] = (),
) -> RunningDirectus:
    """A fresh Directus of ``profile`` and ``line`` with its data (and logs) in ``data_dir``, loading the extension
    folders ``extensions`` (none by default: the suites run Directus as it ships unless a test asks)."""
    if profile not in PROFILES:
        raise LocalDirectusError(f"Directus profile {profile!r} is not one of {', '.join(sorted(PROFILES))}")
    return PROFILES[profile](data_dir, line=line, extra_env=extra_env or {}, extensions=extensions)
