"""The recorder's settings, writing the extension out, and ``up``'s log collection, against a fake Directus."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from components.cli import main
from components.directus.client import DirectusClient
from components.model.recorder_config import RecorderConfig
from components.model.recorder_extension import expected_version, log_note, note_settings
from components.model.stack_config import ConfigError, parse_config
from components.ops.recorder.collection import LogCollectionTakenError, ensure_log_collection

BASE = {"directusUrl": "http://d"}


def test_recorder_settings_are_off_by_default_and_numbers_must_be_numbers() -> None:
    assert parse_config(BASE).recorder == RecorderConfig()
    assert parse_config({**BASE, "recorder": {"enabled": True, "retentionDays": 7}}).recorder.retention_days == 7
    for bad, named in (
        ({"recorder": {"retentionDays": "thirty"}}, "recorder.retentionDays"),
        ({"recorder": {"retentionDays": "30"}}, "recorder.retentionDays"),
        ({"recorder": {"retentionDays": 0}}, "recorder.retentionDays"),
        ({"audit": {"readVolumeThreshold": "many"}}, "audit.readVolumeThreshold"),
        ({"recorder": {"collection": "Bad Name"}}, "recorder.collection"),
        ({"recorder": {"enabled": "yes"}}, "recorder.enabled"),
    ):
        with pytest.raises(ConfigError) as caught:
            parse_config({**BASE, **bad})
        assert named in str(caught.value), str(caught.value)


def test_no_template_may_grant_the_log_collection() -> None:
    config = {
        **BASE,
        "recorder": {"enabled": True},
        "templates": {"analysis": {"collections": ["articles", "mcp_access_log"]}},
    }
    with pytest.raises(ConfigError, match=r"templates.analysis.collections: 'mcp_access_log' is the recorder's log"):
        parse_config(config)


def test_extension_command_writes_the_loadable_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extension", "--out", str(tmp_path / "extensions")]) == 0
    folder = tmp_path / "extensions" / "mcp-access-recorder"
    assert sorted(p.name for p in folder.iterdir()) == ["index.js", "lib.js", "package.json"]
    manifest = json.loads((folder / "package.json").read_text())
    assert manifest["directus:extension"]["type"] == "hook" and manifest["version"] == expected_version()
    assert str(folder) in capsys.readouterr().out
    assert main(["extension", "--out", str(tmp_path / "extensions")]) == 0  # again: replaced, not an error


def test_extension_command_refuses_a_file_as_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "file").write_text("x")
    assert main(["extension", "--out", str(tmp_path / "file")]) == 2
    assert "not a folder" in capsys.readouterr().err


class Collections:
    """Just enough of ``/collections`` for the log collection: list, create, patch the note."""

    def __init__(self, *existing: dict[str, Any]) -> None:
        self.items = list(existing)
        self.writes: list[tuple[str, str, Any]] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json={"data": self.items})
        body = json.loads(request.content)
        self.writes.append((request.method, request.url.path, body))
        if request.method == "POST":
            self.items.append({"collection": body["collection"], "meta": body["meta"]})
        else:
            name = request.url.path.rsplit("/", 1)[1]
            next(c for c in self.items if c["collection"] == name)["meta"].update(body["meta"])
        return httpx.Response(200, json={"data": body})

    def client(self) -> DirectusClient:
        return DirectusClient("http://d", "admin", transport=httpx.MockTransport(self.handler))


def test_up_creates_the_log_collection_once_and_updates_its_settings() -> None:
    fake = Collections()
    recorder = RecorderConfig(enabled=True, retention_days=30)
    assert "created" in ensure_log_collection(fake.client(), recorder, "prod")
    ((method, path, body),) = fake.writes
    assert (method, path, body["collection"]) == ("POST", "/collections", "mcp_access_log")
    assert note_settings(body["meta"]["note"]) == {"stack": "prod", "retentionDays": 30}
    assert {f["field"] for f in body["fields"]} >= {"timestamp", "kind", "user", "refused", "rows", "ip"}
    assert "in place" in ensure_log_collection(fake.client(), recorder, "prod")
    assert "updated" in ensure_log_collection(fake.client(), RecorderConfig(enabled=True, retention_days=7), "prod")
    assert note_settings(fake.items[0]["meta"]["note"]) == {"stack": "prod", "retentionDays": 7}


@pytest.mark.parametrize(
    ("note", "words"),
    [
        ("Customer notes", "already exists in Directus for another purpose"),
        (None, "already exists in Directus for another purpose"),
        (log_note(RecorderConfig(), "staging"), "is the log collection of stack 'staging'"),
    ],
)
def test_a_collection_of_that_name_for_another_purpose_is_never_taken_over(note: str | None, words: str) -> None:
    fake = Collections({"collection": "mcp_access_log", "meta": {"note": note}})
    with pytest.raises(LogCollectionTakenError) as caught:
        ensure_log_collection(fake.client(), RecorderConfig(enabled=True), "prod")
    assert "recorder.collection: 'mcp_access_log'" in str(caught.value) and words in str(caught.value)
    assert fake.writes == []
