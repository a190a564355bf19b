"""Profile ``postgres-redis``: two Directus instances on one PostgreSQL database, sharing one Redis.

Redis is what lets several instances act as one (verified on the real servers, see
``docs/production.md``): ``CACHE_STORE=redis`` with ``CACHE_ENABLED=true`` shares the data cache,
``SYNCHRONIZATION_STORE=redis`` coordinates work that must happen once, ``RATE_LIMITER_STORE=redis`` counts
requests across instances, and with ``REDIS`` set Directus sends its internal messages (cache clears after
schema and permission changes, websocket events) over Redis instead of process memory.
"""

from __future__ import annotations

from pathlib import Path

from components.localdev import server
from components.localdev.postgres import create_database, start_postgres, stop_postgres
from components.localdev.profiles.base import RunningDirectus
from components.localdev.redis import start_redis, stop_redis

INSTANCES = 2
DATABASE = "directus"


def cluster_settings(redis_url: str) -> dict[str, str]:
    """The Directus settings that make instances on one database behave as one deployment."""
    return {
        "REDIS": redis_url,
        "CACHE_ENABLED": "true",
        "CACHE_STORE": "redis",
        "CACHE_AUTO_PURGE": "true",
        "SYNCHRONIZATION_STORE": "redis",
        "RATE_LIMITER_ENABLED": "false",
        "RATE_LIMITER_STORE": "redis",
    }


def start(
    data_dir: Path, *, line: str, extra_env: dict[str, str], extensions: tuple[Path, ...] = ()
) -> RunningDirectus:
    running = RunningDirectus(
        profile="postgres-redis",
        instance=server.DirectusInstance(0, data_dir, ""),
        line=line,
        extra_env=extra_env,
        extensions=extensions,
    )
    try:
        postgres = start_postgres(server.free_port())
        running.service_stops.append(lambda: stop_postgres(postgres))
        running.services["postgres"] = postgres
        create_database(postgres, DATABASE)
        redis = start_redis(data_dir / "redis", server.free_port())
        running.service_stops.append(lambda: stop_redis(redis))
        running.services["redis"] = redis
        database = {
            "DB_CLIENT": "pg",
            "DB_CONNECTION_STRING": postgres.url(DATABASE),
            **cluster_settings(redis.url),
        }
        running.database = database
        running.instance = server.start(
            data_dir,
            fresh=False,
            extra_env=extra_env,
            line=line,
            database=database,
            instances=INSTANCES,
            extensions=extensions,
        )
    except BaseException:
        running.stop()
        raise
    return running
