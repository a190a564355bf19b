"""The stack's configuration, parsed and validated once (pydantic v2).

Keys live in the ``directus-mcp-access`` namespace of ``stacks/Pulumi.<stack>.yaml`` and are camelCase,
as Pulumi config usually is. Any problem becomes one :class:`ConfigError` listing every bad entry by its
path and value, before a single request is sent to Directus.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.alias_generators import to_camel

from components.providers.settings import CONFIG_NAMESPACE
from components.validation import EMAIL_RE, cidr_error

DEFAULT_EMAIL_PATTERN = "ai-{local}@{domain}"
DEFAULT_ROTATION_DAYS = 90


class ConfigError(ValueError):
    """The stack configuration is invalid. The message names each bad field and its value."""


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)


class Member(_Model):
    """A team member who gets a dedicated MCP user."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=40)
    email: str
    first_name: str | None = None
    last_name: str | None = None
    rotate_after_days: int | None = Field(default=None, ge=1, le=365)

    @field_validator("email")
    @classmethod
    def _valid_email(cls, value: str) -> str:
        if not EMAIL_RE.match(value):
            raise ValueError(f"{value!r} is not a valid email address")
        return value.lower()


class McpConfig(_Model):
    enabled: bool = True
    allow_deletes: bool = False
    system_prompt_enabled: bool = True
    system_prompt: str | None = None


class StackConfig(_Model):
    directus_url: str = Field(pattern=r"^https?://\S+$")
    email_pattern: str = DEFAULT_EMAIL_PATTERN
    members: list[Member] = Field(default_factory=list)
    read_collections: list[str] = Field(default_factory=list)
    ip_allowlist: list[str] = Field(default_factory=list)
    rotation_days: int = Field(default=DEFAULT_ROTATION_DAYS, ge=1, le=365)
    mcp: McpConfig = Field(default_factory=McpConfig)

    @field_validator("directus_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("email_pattern")
    @classmethod
    def _pattern_has_placeholders(cls, value: str) -> str:
        if "{local}" not in value or "@" not in value:
            raise ValueError(f"{value!r} must contain '{{local}}' and an '@' (e.g. {DEFAULT_EMAIL_PATTERN!r})")
        return value

    @field_validator("ip_allowlist")
    @classmethod
    def _valid_cidrs(cls, value: list[str]) -> list[str]:
        errors = [e for ip in value if (e := cidr_error(ip))]
        if errors:
            raise ValueError("; ".join(errors))
        return value

    @model_validator(mode="after")
    def _unique_members(self) -> StackConfig:
        for attribute in ("name", "email"):
            seen: set[str] = set()
            for index, member in enumerate(self.members):
                value = getattr(member, attribute)
                if value in seen:
                    raise ValueError(f"members[{index}].{attribute}: {value!r} appears more than once")
                seen.add(value)
        return self

    def mcp_email(self, member: Member) -> str:
        """``john@company.com`` -> ``ai-john@company.com`` (with the default pattern)."""
        local, domain = member.email.split("@", 1)
        return self.email_pattern.format(local=local, domain=domain, name=member.name).lower()

    def rotation_for(self, member: Member) -> int:
        return member.rotate_after_days or self.rotation_days

    @property
    def mcp_url(self) -> str:
        return f"{self.directus_url}/mcp"


def _describe(error: Mapping[str, Any]) -> str:
    path = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in error["loc"]).replace(".[", "[")
    message = str(error["msg"]).removeprefix("Value error, ")
    value = error.get("input")
    if path and message.startswith(f"{path}:"):
        return message
    shown = "" if isinstance(value, dict | list) or value is None else f" (got {value!r})"
    return f"{path or 'config'}: {message}{shown}"


def parse_config(raw: Mapping[str, Any]) -> StackConfig:
    """Validate a plain mapping of camelCase keys (without namespace) into a :class:`StackConfig`."""
    try:
        return StackConfig.model_validate(dict(raw))
    except ValidationError as exc:
        lines = [_describe(e) for e in exc.errors()]
        raise ConfigError("invalid stack configuration:\n  " + "\n  ".join(lines)) from None


CONFIG_KEYS = (
    "directusUrl",
    "emailPattern",
    "members",
    "readCollections",
    "ipAllowlist",
    "rotationDays",
    "mcp",
)


def load_config(get: Callable[[str], str | None]) -> StackConfig:
    """Read the stack's keys through ``get`` (e.g. ``pulumi.Config(CONFIG_NAMESPACE).get``) and validate.

    Structured values arrive as JSON text from Pulumi config; they are decoded here.
    """
    raw: dict[str, Any] = {}
    for key in CONFIG_KEYS:
        value = get(key)
        if value is None:
            continue
        try:
            raw[key] = json.loads(value) if value[:1] in "[{" or value in ("true", "false") else value
        except json.JSONDecodeError as exc:
            raise ConfigError(f"invalid stack configuration:\n  {key}: not valid JSON ({exc.msg})") from None
        if key == "rotationDays":
            raw[key] = int(value) if value.isdigit() else value
    return parse_config(raw)


__all__ = ["CONFIG_NAMESPACE", "ConfigError", "Member", "StackConfig", "load_config", "parse_config"]
