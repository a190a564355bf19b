"""Profile ``sqlite``: one Directus on a SQLite file in the data folder, cache off (the default)."""

from __future__ import annotations

from pathlib import Path

from components.localdev import server
from components.localdev.profiles.base import RunningDirectus


def start(
    data_dir: Path, *, line: str, extra_env: dict[str, str], extensions: tuple[Path, ...] = ()
) -> RunningDirectus:
    instance = server.start(data_dir, fresh=True, extra_env=extra_env, line=line, extensions=extensions)
    return RunningDirectus(profile="sqlite", instance=instance, line=line, extra_env=extra_env, extensions=extensions)
