"""``mcp-access review``: matrices and the plain-words diff between a git base and the working tree.

Each test builds a small git repository in ``tmp_path`` (the real role templates, a stack file), commits a
base, changes the working tree (or commits again) and reads what a reviewer would read.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.cli import main
from components.names import PROJECT_ROOT
from components.ops.review.render import render_markdown
from components.ops.review.run import review

ROLES = PROJECT_ROOT / "templates" / "roles"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Review Test",
    "GIT_AUTHOR_EMAIL": "review@example.com",
    "GIT_COMMITTER_NAME": "Review Test",
    "GIT_COMMITTER_EMAIL": "review@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}

PRODUCTION: dict[str, Any] = {
    "directusUrl": "https://cms.example.com",
    "members": [
        {"name": "john", "email": "john@company.com", "template": "content"},
        {"name": "sarah", "email": "sarah@company.com", "template": "analysis"},
    ],
    "templates": {"content": {"collections": ["articles"]}, "analysis": {"collections": ["articles"]}},
    "ipAllowlist": ["203.0.113.0/24"],
    "rotationDays": 30,
    "mcp": {"enabled": True, "allowDeletes": False},
}


class Repo:
    """A project checkout: ``stacks/`` and ``templates/roles/`` in a git repository."""

    def __init__(self, root: Path, project: Path | None = None) -> None:
        self.root = root
        self.project = project or root
        self.git("init", "-q", "-b", "main")
        shutil.copytree(ROLES, self.project / "templates" / "roles")

    def git(self, *args: str) -> str:
        env = {**os.environ, **GIT_ENV}
        result = subprocess.run(["git", *args], cwd=self.root, env=env, capture_output=True, text=True, check=True)
        return result.stdout

    def write_stack(self, name: str, settings: dict[str, Any]) -> None:
        document = {"config": {f"directus-mcp-access:{key}": value for key, value in settings.items()}}
        path = self.project / "stacks" / f"Pulumi.{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(document, sort_keys=False))

    def edit_template(self, name: str, old: str, new: str) -> None:
        path = self.project / "templates" / "roles" / f"{name}.yaml.j2"
        text = path.read_text()
        assert old in text
        path.write_text(text.replace(old, new))

    def commit(self, message: str = "change") -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)


def run(capsys: pytest.CaptureFixture[str], repo: Repo, *args: str) -> tuple[int, str, str]:
    code = main(["review", "--repo", str(repo.project), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def bullets(output: str) -> list[str]:
    return [line.removeprefix("- ") for line in output.splitlines() if line.startswith("- ")]


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    made = Repo(tmp_path)
    made.write_stack("production", PRODUCTION)
    made.commit("base")
    return made


def changed(**overrides: Any) -> dict[str, Any]:
    settings = copy.deepcopy(PRODUCTION)
    settings.update(overrides)
    return settings


def test_collection_added_to_a_template_is_gained_by_its_members(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write_stack(
        "production",
        changed(templates={"content": {"collections": ["articles", "pages"]}, "analysis": {"collections": []}}),
    )
    code, out, _ = run(capsys, repo, "--base", "HEAD")
    assert code == 0
    assert bullets(out) == [
        "production: john (content) gains read, create, update on pages",
        "production: sarah (analysis) loses read on articles",
    ]
    assert "2 changes, 0 flagged ⚠." in out


def test_a_template_file_change_is_read_at_both_revisions(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.edit_template("analysis", 'actions: ["read"]', 'actions: ["read", "share"]')
    repo.edit_template(
        "content", "{%- for collection in collections + file_collections %}", "{%- for collection in collections %}"
    )
    code, out, _ = run(capsys, repo, "--base", "HEAD")
    assert code == 0
    lines = bullets(out)
    # Share exposes data outside Directus: flagged, and listed before everything else.
    assert lines[0] == (
        "⚠ production: sarah (analysis) gains share on articles, directus_collections, directus_fields, "
        "directus_relations"
    )
    assert lines[1:] == ["production: john (content) loses read, create, update on directus_files, directus_folders"]


def test_template_change_committed_between_two_revisions(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.edit_template("analysis", 'actions: ["read"]', 'actions: ["read", "create"]')
    repo.commit("analysts may create")
    code, out, _ = run(capsys, repo, "--base", "HEAD~1")
    assert code == 0
    assert "production: sarah (analysis) gains create on articles, directus_collections, directus_fields, " in out
    assert "### Changes from `HEAD~1` (" in out
    # Against HEAD the same edit is no change at all.
    code, out, _ = run(capsys, repo, "--base", "HEAD")
    assert "No access changes (production)." in out


def test_members_added_removed_moved_and_disabled(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write_stack(
        "production",
        changed(
            members=[
                {"name": "john", "email": "john@company.com", "template": "analysis"},
                {"name": "ana", "email": "ana@company.com", "template": "content"},
            ]
        ),
    )
    repo.commit("roster")
    repo.write_stack(
        "production",
        changed(
            members=[
                {"name": "john", "email": "john@company.com", "template": "analysis", "enabled": False},
                {"name": "ana", "email": "ana@company.com", "template": "content"},
            ]
        ),
    )
    code, out, _ = run(capsys, repo, "--base", "HEAD~1")
    assert code == 0
    lines = bullets(out)
    assert (
        "production: member ana added (content, ai-ana@company.com): read, create, update on articles, "
        "directus_files, directus_folders; read on directus_collections, directus_fields, directus_relations"
    ) in lines
    assert "production: member sarah removed (was analysis: its MCP user and token go)" in lines
    assert "production: member john moved from content to analysis" in lines
    assert "production: member john disabled (token revoked, user suspended)" in lines
    # Disabled: no per-collection noise for john, the line above says it all.
    assert not [line for line in lines if line.startswith("production: john (")]

    code, out, _ = run(capsys, repo, "--base", "HEAD")
    assert bullets(out) == ["production: member john disabled (token revoked, user suspended)"]


def test_member_moved_lists_what_it_gains_and_loses(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    members = copy.deepcopy(PRODUCTION["members"])
    members[1]["template"] = "content"
    repo.write_stack("production", changed(members=members))
    _, out, _ = run(capsys, repo, "--base", "HEAD")
    assert bullets(out) == [
        "production: member sarah moved from analysis to content",
        "production: sarah (content) gains read, create, update on directus_files, directus_folders",
        "production: sarah (content) gains create, update on articles",
    ]


def test_deletes_turned_on_are_flagged_first(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write_stack("production", changed(rotationDays=60, mcp={"enabled": True, "allowDeletes": True}))
    code, out, _ = run(capsys, repo, "--base", "HEAD")
    assert code == 0
    assert bullets(out) == [
        "⚠ production: deletes through MCP turned on",
        "⚠ production: john (content) gains delete on articles, directus_files, directus_folders",
        "production: rotation 30 → 60 days",
    ]


def test_admin_allowed_and_developer_member_added(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    members = copy.deepcopy(PRODUCTION["members"])
    members[0]["template"] = "developer"
    members.append({"name": "lee", "email": "lee@company.com", "template": "developer"})
    templates = {**PRODUCTION["templates"], "developer": {"collections": ["articles"]}}
    repo.write_stack("production", changed(members=members, templates=templates, guardrails={"allowAdminAccess": True}))
    code, out, _ = run(capsys, repo, "--base", "HEAD")
    assert code == 0
    lines = bullets(out)
    assert lines[:3] == [
        "⚠ production: admin access for MCP users now allowed (guardrails.allowAdminAccess)",
        "⚠ production: john (developer) gains admin access",
        "⚠ production: member lee added (developer, ⚠ admin access, ai-lee@company.com): read, create, update on "
        "articles, directus_collections, directus_fields, directus_files, directus_folders, directus_relations",
    ]
    assert "production: member john moved from content to developer" in lines
    assert (
        "production: john (developer) gains create, update on directus_collections, directus_fields, directus_relations"
        in lines
    )
    assert "| lee | developer (⚠ admin) |" in out


def test_ip_allowlist_changes(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write_stack("production", changed(ipAllowlist=["198.51.100.7/32"]))
    _, out, _ = run(capsys, repo, "--base", "HEAD")
    # A new network is let in even though another one leaves: flagged.
    assert bullets(out) == [
        "⚠ production: ip allowlist 198.51.100.7/32 added (widens where MCP calls are accepted from)",
        "production: ip allowlist 203.0.113.0/24 removed",
    ]
    repo.write_stack("production", changed(ipAllowlist=[]))
    _, out, _ = run(capsys, repo, "--base", "HEAD")
    assert bullets(out) == [
        "⚠ production: ip allowlist 203.0.113.0/24 removed (no allowlist left: MCP calls accepted from any address)"
    ]
    repo.write_stack("production", changed(ipAllowlist=["203.0.113.0/24", "10.0.0.0/8"]))
    _, out, _ = run(capsys, repo, "--base", "HEAD")
    assert bullets(out) == ["⚠ production: ip allowlist 10.0.0.0/8 added (widens where MCP calls are accepted from)"]


def test_a_template_ip_access_of_its_own_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    made = Repo(tmp_path)
    made.write_stack("production", changed(ipAllowlist=[]))
    made.edit_template("analysis", "ip_access: {{ ip_allowlist | tojson }}", 'ip_access: ["10.0.0.0/8"]')
    made.commit("analysis from the office only")
    made.git("checkout", "-q", "HEAD", "--", ".")
    made.edit_template("analysis", 'ip_access: ["10.0.0.0/8"]', "ip_access: {{ ip_allowlist | tojson }}")
    _, out, _ = run(capsys, made, "--base", "HEAD")
    assert bullets(out) == ["⚠ production: template analysis: ip access 10.0.0.0/8 → any address"]


def test_a_field_list_or_filter_change_of_a_template_is_reported_and_widening_flagged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    made = Repo(tmp_path)
    made.write_stack("production", PRODUCTION)
    read = '    actions: ["read"]'
    limited = read + (
        "\n{%- if collection == 'articles' %}"
        "\n    fields: [id, title]"
        "\n    filter: {{ vars.filter | tojson }}"
        "\n{%- endif %}"
    )
    made.edit_template("analysis", read, limited)
    published = {"status": {"_eq": "published"}}
    made.write_stack(
        "production",
        changed(
            templates={
                **PRODUCTION["templates"],
                "analysis": {"collections": ["articles"], "vars": {"filter": published}},
            }
        ),
    )
    made.commit("analysis reads titles of published articles")

    # The filter is changed (here narrowed): whether a changed filter matches more items is not decided, so flagged.
    narrower = {"_and": [published, {"title": {"_nnull": True}}]}
    made.write_stack(
        "production",
        changed(
            templates={
                **PRODUCTION["templates"],
                "analysis": {"collections": ["articles"], "vars": {"filter": narrower}},
            }
        ),
    )
    _, out, _ = run(capsys, made, "--base", "HEAD")
    assert bullets(out) == [
        '⚠ production: template analysis: read on articles: fields id, title; items where {"status": {"_eq": '
        '"published"}} → fields id, title; items where {"_and": [{"status": {"_eq": "published"}}, {"title": '
        '{"_nnull": true}}]}'
    ]

    # The filter and the field list go: every field of every article, flagged.
    made.git("checkout", "-q", "HEAD", "--", ".")
    made.edit_template("analysis", limited, read)
    _, out, _ = run(capsys, made, "--base", "HEAD", "--json")
    [change] = json.loads(out)["changes"]
    assert change == {
        "kind": "template_rule_changed",
        "stack": "production",
        "member": None,
        "template": "analysis",
        "collection": "articles",
        "action": "read",
        "flag": None,
        "before": {"fields": ["id", "title"], "filter": '{"status": {"_eq": "published"}}'},
        "after": {"fields": ["*"], "filter": None},
        "risky": True,
        "text": 'production: template analysis: read on articles: fields id, title; items where {"status": {"_eq": '
        '"published"}} → all fields; all items',
    }

    # Fewer fields: reported, not flagged.
    made.git("checkout", "-q", "HEAD", "--", ".")
    made.edit_template("analysis", "fields: [id, title]", "fields: [id]")
    _, out, _ = run(capsys, made, "--base", "HEAD")
    assert bullets(out) == [
        'production: template analysis: read on articles: fields id, title; items where {"status": {"_eq": '
        '"published"}} → fields id; items where {"status": {"_eq": "published"}}'
    ]


def test_a_template_dropping_a_required_allowlist_is_an_error_naming_the_revision(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.edit_template("analysis", "ip_access: {{ ip_allowlist | tojson }}", "ip_access: []")
    code, _, err = run(capsys, repo, "--base", "HEAD")
    assert code == 2
    assert err.startswith("error: head (working tree): stacks/Pulumi.production.yaml: stack 'production' cannot be")
    assert "role template 'analysis' sets no ip_access" in err


def test_rotation_override_of_a_member(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    members = copy.deepcopy(PRODUCTION["members"])
    members[0]["rotateAfterDays"] = 14
    repo.write_stack("production", changed(members=members))
    _, out, _ = run(capsys, repo, "--base", "HEAD")
    assert bullets(out) == ["production: member john's token rotation 30 → 14 days"]
    assert "| john (rotation 14 days) | content |" in out


def test_new_and_removed_environments(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    (repo.project / "stacks" / "Pulumi.production.yaml").unlink()
    repo.write_stack(
        "staging",
        {
            "directusUrl": "https://cms-staging.example.com",
            "members": [{"name": "lee", "email": "lee@company.com", "template": "analysis"}],
            "templates": {"analysis": {"collections": ["pages"]}},
        },
    )
    code, out, _ = run(capsys, repo, "--base", "HEAD")
    assert code == 0
    assert bullets(out) == [
        "production: environment removed (stack file deleted; its members were john, sarah). Its Directus users, "
        "roles and tokens stay until `mcp-access destroy --stack production`",
        "staging: new environment https://cms-staging.example.com (MCP on; deletes off; admin refused; "
        "ip allowlist none; rotation 90 days, at most 90)",
        "staging: member lee added (analysis, ai-lee@company.com): read on pages, directus_collections, "
        "directus_fields, directus_relations",
    ]
    assert "#### `staging`" in out and "#### `production`" not in out


def test_no_change_says_so(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, repo, "--base", "main")
    assert code == 0
    assert "No access changes (production)." in out
    assert bullets(out) == []


def test_stack_filter(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write_stack("staging", {"directusUrl": "https://s.example.com"})
    repo.write_stack("production", changed(rotationDays=60))
    _, out, _ = run(capsys, repo, "--base", "HEAD", "--stack", "production")
    assert bullets(out) == ["production: rotation 30 → 60 days"]
    assert "staging" not in out
    code, _, err = run(capsys, repo, "--base", "HEAD", "--stack", "prod")
    assert code == 2
    assert (
        "error: stack 'prod' has no settings file stacks/Pulumi.prod.yaml at head (working tree) or base (HEAD)" in err
    )


def test_unknown_base_revision(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, repo, "--base", "origin/nope")
    assert code == 2 and out == ""
    assert err.startswith(f"error: unknown git revision 'origin/nope' in {repo.project}")


def test_not_a_git_repository(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "plain"
    shutil.copytree(ROLES, project / "templates" / "roles")
    code = main(["review", "--repo", str(project), "--base", "HEAD"])
    err = capsys.readouterr().err
    assert code == 2
    assert f"error: {project} is not a git repository" in err
    # Without --base, git is not needed.
    assert main(["review", "--repo", str(project)]) == 0
    assert "No stack settings files." in capsys.readouterr().out


def test_invalid_config_at_base_names_revision_file_and_entry(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    members = copy.deepcopy(PRODUCTION["members"])
    members[1]["template"] = "analysys"
    repo.write_stack("production", changed(members=members))
    repo.commit("typo")
    repo.write_stack("production", PRODUCTION)
    code, out, err = run(capsys, repo, "--base", "HEAD")
    assert code == 2 and out == ""
    assert err.splitlines()[:2] == [
        "error: base (HEAD): stacks/Pulumi.production.yaml: invalid stack configuration:",
        "  members[1].template: 'analysys' is not a role template (available: analysis, content, developer)",
    ]


def test_broken_template_at_base_names_the_file_in_the_project(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.edit_template("analysis", "permissions:", "permissions: {{ undefined_thing }}")
    repo.commit("broken")
    repo.git("checkout", "-q", "HEAD~1", "--", "templates")
    code, _, err = run(capsys, repo, "--base", "HEAD")
    assert code == 2
    assert "error: base (HEAD): stacks/Pulumi.production.yaml: stack 'production' cannot be applied:" in err
    assert "role template 'analysis' (templates/roles/analysis.yaml.j2) does not render" in err
    assert "mcp-access-review-" not in err  # no temporary directory in the message


def test_json_shape(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write_stack("production", changed(mcp={"enabled": True, "allowDeletes": True}))
    code, out, _ = run(capsys, repo, "--base", "HEAD", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"base", "head", "stacks", "changes", "summary"}
    assert data["base"] == {"ref": "HEAD", "commit": repo.git("rev-parse", "HEAD").strip()}
    production = data["stacks"]["production"]
    assert production["flags"]["allowDeletes"] is True
    john = production["members"][0]
    assert john["name"] == "john" and john["mcpEmail"] == "ai-john@company.com" and john["template"] == "content"
    assert john["permissions"]["articles"] == ["read", "create", "update", "delete"]
    keys = {"kind", "stack", "member", "template", "collection", "action", "flag", "before", "after", "risky", "text"}
    assert all(set(change) == keys for change in data["changes"])
    assert data["changes"][0] == {
        "kind": "flag_changed",
        "stack": "production",
        "member": None,
        "template": None,
        "collection": None,
        "action": None,
        "flag": "mcp.allowDeletes",
        "before": False,
        "after": True,
        "risky": True,
        "text": "production: deletes through MCP turned on",
    }
    gained = [(c["member"], c["collection"], c["action"]) for c in data["changes"] if c["kind"] == "action_gained"]
    assert gained == [
        ("john", "articles", "delete"),
        ("john", "directus_files", "delete"),
        ("john", "directus_folders", "delete"),
    ]
    assert data["summary"] == {"changes": 4, "risky": 4}


def test_project_in_a_subdirectory_of_the_repository(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "infra" / "mcp").mkdir(parents=True)
    made = Repo(tmp_path, project=tmp_path / "infra" / "mcp")
    made.write_stack("production", PRODUCTION)
    made.commit("base")
    made.write_stack("production", changed(rotationDays=60))
    _, out, _ = run(capsys, made, "--base", "HEAD")
    assert bullets(out) == ["production: rotation 30 → 60 days"]


def tracked_project(target: Path) -> Path:
    """A git repository holding a copy of the project's tracked ``Pulumi.yaml``, ``stacks/`` and ``templates/``.

    Not the checkout itself: a user's own stacks (``mcp-access init``, as the README says) sit in the same folder
    and must not change what this test sees.
    """
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--", "Pulumi.yaml", "stacks", "templates"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PROJECT_ROOT / name, target / name)
    copy_repo = Repo.__new__(Repo)
    copy_repo.root = copy_repo.project = target
    copy_repo.git("init", "-q", "-b", "main")
    copy_repo.commit("tracked files")
    return target


def test_real_stacks_render_their_matrices(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """stacks/ holds the project's only real stack, `local`; the examples (examples/stacks/) are not stacks."""
    assert main(["review", "--repo", str(tracked_project(tmp_path))]) == 0
    out = capsys.readouterr().out
    headings = [line for line in out.splitlines() if line.startswith("#### ")]
    assert headings == ["#### `local`: http://127.0.0.1:8055"]
    assert "| john | content |" in out
    assert "Changes from" not in out


def test_an_unknown_stack_lists_the_stack_files_there_are(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, repo, "--stack", "nosuch")
    assert code == 2
    assert (
        "stack 'nosuch' has no settings file stacks/Pulumi.nosuch.yaml at head (working tree) (stacks: production)"
        in err
    )
    assert "(stacks: none)" not in err


def test_long_review_is_truncated_for_a_pr_comment(repo: Repo) -> None:
    members = [{"name": f"m{i}", "email": f"m{i}@company.com", "template": "content"} for i in range(40)]
    repo.write_stack("production", changed(members=members))
    result = review(repo.project, base_ref="HEAD")
    full = render_markdown(result)
    cut = render_markdown(result, limit=2000)
    assert len(full) > 2000 and len(cut) <= 2000
    assert cut.rstrip().endswith("run `mcp-access review --json` for everything.")
    assert not [line for line in bullets(full) if line.startswith("⚠")]  # content members, no deletes: not risky


def test_a_new_or_extended_expiry_and_an_elevation_read_in_plain_words(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MCP_ACCESS_NOW", "2027-03-10T12:00:00Z")
    members = copy.deepcopy(PRODUCTION["members"])
    members[0]["expires"] = "2027-04-01"
    repo.write_stack("production", changed(members=members))
    repo.commit("john expires")
    members[0]["expires"] = "2027-06-30"
    members[1]["expires"] = "2027-03-12T12:00:00Z"
    templates = {**PRODUCTION["templates"], "developer": {"collections": ["articles"]}}
    elevations = [{"member": "john", "template": "developer", "until": "2027-03-10T18:00:00Z", "reason": "new field"}]
    repo.write_stack(
        "production",
        changed(members=members, templates=templates, elevations=elevations, guardrails={"allowAdminAccess": True}),
    )
    code, out, err = run(capsys, repo, "--base", "HEAD")
    assert code == 0, err
    lines = bullets(out)
    assert (
        "⚠ production: member john elevated to developer, ⚠ admin access until 2027-03-10 18:00 UTC (6.0 hours from "
        "now; reason: new field)"
    ) in lines
    assert (
        "production: member john's access extended: ends 2027-06-30 00:00 UTC instead of 2027-04-01 00:00 UTC"
    ) in lines
    assert "production: member sarah now expires 2027-03-12 12:00 UTC (2 days from now)" in lines
    assert "| john (ends 2027-06-30 00:00 UTC) (elevated to developer until 2027-03-10 18:00 UTC) |" in out
