"""`pulumi install` (toolchain pip) reads requirements.txt: it must install the project with the one set of pins."""

from __future__ import annotations

import re
import tomllib

import yaml

from components.names import PROJECT_ROOT


def _lines(name: str) -> list[str]:
    text = (PROJECT_ROOT / name).read_text()
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def _name(requirement: str) -> str:
    return re.split(r"[=<>!~\[ ;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_requirements_install_the_project_under_the_constraints_and_pin_nothing_themselves() -> None:
    assert _lines("requirements.txt") == ["-c constraints.txt", "-e ."]


def test_every_runtime_dependency_is_pinned_in_pyproject_and_constraints_agree() -> None:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    constraints = {_name(line): line.split("==", 1)[1] for line in _lines("constraints.txt")}
    for requirement in project["dependencies"]:
        name, version = requirement.split("==", 1)
        assert constraints.get(_name(name)) == version, f"constraints.txt disagrees with pyproject.toml on {name}"


def test_pulumi_yaml_names_the_pip_toolchain_and_the_virtualenv_bootstrap_makes() -> None:
    runtime = yaml.safe_load((PROJECT_ROOT / "Pulumi.yaml").read_text())["runtime"]
    assert runtime == {"name": "python", "options": {"toolchain": "pip", "virtualenv": ".venv"}}
