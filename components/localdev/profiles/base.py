"""What every profile returns: the Directus instance(s) to talk to, and how to stop everything it started."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from components.localdev import server


@dataclass
class RunningDirectus:
    """A started deployment: ``instance`` (all its URLs in ``instance.urls``) and the services behind it."""

    profile: str
    instance: server.DirectusInstance
    line: str = server.DEFAULT_LINE
    #: The database settings the instances run with (``None``: SQLite in the data folder) and extra settings.
    database: dict[str, str] | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    #: Stops for the services the instances use (database, Redis), run after Directus stopped, last first.
    service_stops: list[Callable[[], None]] = field(default_factory=list)
    #: Services' connection settings for tests that need them (e.g. the PostgreSQL server); never printed.
    services: dict[str, object] = field(default_factory=dict)
    #: Extension folders each instance loads (copied into its data folder), e.g. the recorder's.
    extensions: tuple[Path, ...] = ()

    def start_again(self) -> server.DirectusInstance:
        """Start Directus again after :func:`server.stop` of ``instance``: same data, database and first port."""
        self.instance = server.start(
            self.instance.data_dir,
            port=self.instance.port,
            extra_env=self.extra_env,
            line=self.line,
            database=self.database,
            instances=len(self.instance.urls),
            extensions=self.extensions,
        )
        return self.instance

    def stop(self) -> None:
        server.stop(self.instance)
        for stop_service in reversed(self.service_stops):
            with contextlib.suppress(Exception):  # stop what can be stopped; a dead service is already stopped
                stop_service()

    def __enter__(self) -> RunningDirectus:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
