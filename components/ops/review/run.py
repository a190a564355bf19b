"""The review command's data: the permission matrix of each stack at head and, given a base revision, the changes.

Head is the working tree of the project; base is a git revision, whose stack files *and* role templates are
read (editing a template changes permissions as much as editing a stack). Each side is validated and rendered
exactly as ``preview`` would (config model, templates, guardrails), minus the live collection check: no Pulumi
and no Directus are needed, so it runs in any PR pipeline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from components.model.role_specs import stack_role_specs
from components.model.stack_config import ConfigError
from components.model.stack_files import config_from_text, stack_file, stack_names
from components.ops.review.diff import Change, diff_matrices
from components.ops.review.git_revision import files_at, resolve_commit
from components.ops.review.matrix import StackMatrix, build_matrix

STACKS_FOLDER = "stacks"
ROLES_FOLDER = "templates/roles"
HEAD_LABEL = "head (working tree)"


@dataclass(frozen=True)
class Review:
    head: dict[str, StackMatrix]
    base_ref: str | None = None
    base_commit: str | None = None
    base: dict[str, StackMatrix] | None = None
    changes: list[Change] = field(default_factory=list)


def load_stacks(root: Path, label: str, stacks: Sequence[str] | None = None) -> dict[str, StackMatrix]:
    """The matrices of ``stacks`` (default: every stack with a file) as the files under ``root`` declare them.

    Errors name ``label`` (which revision) and the file, e.g. ``base (origin/main): stacks/Pulumi.x.yaml: ...``.
    """
    stacks_dir, template_dir = root / STACKS_FOLDER, root / ROLES_FOLDER
    names = stack_names(stacks_dir) if stacks is None else [s for s in stacks if stack_file(s, stacks_dir).is_file()]
    matrices: dict[str, StackMatrix] = {}
    for name in names:
        path = stack_file(name, stacks_dir)
        source = f"{label}: {STACKS_FOLDER}/{path.name}"
        try:
            config = config_from_text(path.read_text(), source=source, template_dir=template_dir)
            specs = stack_role_specs(config, name, template_dir)
        except ConfigError as exc:
            # Template errors name the file by its path; under a base revision that is a temporary directory.
            message = str(exc).replace(f"{root}/", "")
            raise ConfigError(message if message.startswith(source) else f"{source}: {message}") from None
        matrices[name] = build_matrix(name, config, specs)
    return matrices


def _check_known(stacks: Sequence[str], available: Sequence[str], *sides: tuple[str, dict[str, StackMatrix]]) -> None:
    """Every stack asked for has a file on one side; else an error listing the stack files there are."""
    found = {name for _, side in sides for name in side}
    missing = [s for s in stacks if s not in found]
    if missing:
        where = " or ".join(label for label, _ in sides)
        raise ConfigError(
            f"stack {missing[0]!r} has no settings file {STACKS_FOLDER}/Pulumi.{missing[0]}.yaml at {where} "
            f"(stacks: {', '.join(sorted(set(available))) or 'none'})"
        )


def review(repo: Path, stacks: Sequence[str] | None = None, base_ref: str | None = None) -> Review:
    """Review ``stacks`` (default: all) of the project in ``repo``; with ``base_ref``, diff against that revision."""
    repo = repo.resolve()
    head = load_stacks(repo, HEAD_LABEL, stacks)
    if base_ref is None:
        if stacks:
            _check_known(stacks, stack_names(repo / STACKS_FOLDER), (HEAD_LABEL, head))
        return Review(head=head)
    commit = resolve_commit(repo, base_ref)
    base_label = f"base ({base_ref})"
    with files_at(repo, commit, [STACKS_FOLDER, ROLES_FOLDER]) as base_root:
        base = load_stacks(base_root, base_label, stacks)
        available = [*stack_names(repo / STACKS_FOLDER), *stack_names(base_root / STACKS_FOLDER)]
    if stacks:
        _check_known(stacks, available, (HEAD_LABEL, head), (base_label, base))
    return Review(head=head, base_ref=base_ref, base_commit=commit, base=base, changes=diff_matrices(base, head))
