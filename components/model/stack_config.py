"""The stack's configuration, parsed and validated once (pydantic v2).

Keys live in the ``directus-mcp-access`` namespace of ``stacks/Pulumi.<stack>.yaml`` and are camelCase,
as Pulumi config usually is. Any problem becomes one :class:`ConfigError` listing every bad entry by its
path and value, before a single request is sent to Directus.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic.alias_generators import to_camel

from components.errors import McpAccessError
from components.model.audit_config import AuditConfig
from components.model.base import ConfigModel as _Model
from components.model.defaults import DEFAULT_EMAIL_PATTERN, DEFAULT_ROTATION_DAYS
from components.model.delivery_config import RECIPIENT_ERROR, ClientName, DeliveryConfig, Recipient
from components.model.guard_config import GuardConfig
from components.model.recorder_config import RecorderConfig
from components.model.timebox import (
    DEFAULT_MAX_ELEVATION_HOURS,
    Elevation,
    ExpiringMember,
    ReviewSettings,
    elevation_problems,
)
from components.model.validation import EMAIL_RE, check_cidrs
from components.names import CONFIG_NAMESPACE


class ConfigError(McpAccessError, ValueError):
    """The stack configuration is invalid. The message names each bad field and its value."""


NAME_PATTERN = r"^[a-z0-9][a-z0-9-]*$"


class Member(ExpiringMember):
    """A team member who gets a dedicated MCP user with one role template."""

    name: str = Field(pattern=NAME_PATTERN, max_length=40)
    email: str
    template: str = Field(pattern=NAME_PATTERN)
    first_name: str | None = None
    last_name: str | None = None
    rotate_after_days: int | None = Field(default=None, ge=1, le=365)
    #: ``false`` suspends the MCP user and revokes its token and OAuth grants, keeping the user (and its history).
    enabled: bool = True
    #: ``token``: a rotating static token. ``oauth``: no static token; the member's client connects by OAuth and
    #: the consent is approved as the dedicated user with ``mcp-access oauth-approve`` (see docs/oauth.md).
    auth: Literal["token", "oauth"] = "token"
    #: The member's public key (``age1...``, ``ssh-ed25519 ...``, ``ssh-rsa ...``): tokens reach them sealed to it.
    recipient: Recipient | None = None
    #: The client whose configuration the member's sealed bundles carry (default: ``delivery.client``).
    client: ClientName | None = None

    @field_validator("email")
    @classmethod
    def _valid_email(cls, value: str) -> str:
        if not EMAIL_RE.match(value):
            raise ValueError(f"{value!r} is not a valid email address")
        return value.lower()

    @field_validator("template")
    @classmethod
    def _known_template(cls, value: str, info: ValidationInfo) -> str:
        known = (info.context or {}).get("templates")
        if known is not None and value not in known:
            raise ValueError(f"{value!r} is not a role template (available: {', '.join(known)})")
        return value


class TemplateSettings(_Model):
    """Per-stack settings of one role template: the collections it covers and free variables for custom files."""

    collections: list[str] = Field(default_factory=list)
    vars: dict[str, Any] = Field(default_factory=dict)

    @field_validator("collections")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        duplicates = sorted({c for c in value if value.count(c) > 1})
        if duplicates:
            raise ValueError(f"{', '.join(map(repr, duplicates))} listed more than once")
        return value


class OAuthConfig(_Model):
    """Directus's MCP OAuth server (12.0+): the settings switches. Directus also needs its own environment
    (``MCP_OAUTH_ENABLED=true`` and, per registration method, ``MCP_OAUTH_DCR_ENABLED`` /
    ``MCP_OAUTH_CIMD_ENABLED``, plus a correct ``PUBLIC_URL``); these keys do not set that."""

    enabled: bool = False
    #: Clients register themselves at ``/mcp-oauth/register`` (RFC 7591), no admin involved.
    dynamic_client_registration: bool = False
    #: Clients identify themselves by the URL of a client ID metadata document.
    client_id_metadata: bool = False

    @model_validator(mode="after")
    def _methods_need_oauth(self) -> OAuthConfig:
        needing = [
            f"{key}: true"
            for key, on in (
                ("dynamicClientRegistration", self.dynamic_client_registration),
                ("clientIdMetadata", self.client_id_metadata),
            )
            if on
        ]
        if needing and not self.enabled:
            raise ValueError(
                f"mcp.oauth: {' and '.join(needing)} needs enabled: true (a registration method of an OAuth server "
                "that is off)"
            )
        return self


class McpConfig(_Model):
    enabled: bool = True
    allow_deletes: bool = False
    system_prompt_enabled: bool = True
    system_prompt: str | None = None
    oauth: OAuthConfig = Field(default_factory=OAuthConfig)
    #: A collection whose items the MCP ``prompts`` feature serves (checked against the live schema).
    prompts_collection: str | None = Field(default=None, min_length=1)
    #: Whether this stack owns the instance's MCP settings (one object per Directus). With several stacks on one
    #: Directus exactly one owns them; the others set ``false``, never write them, and their ``destroy`` leaves
    #: them alone. ``allowDeletes`` still decides what their templates may grant.
    manage_settings: bool = True

    @model_validator(mode="after")
    def _owner_only_settings(self) -> McpConfig:
        owned = [
            name
            for name in ("enabled", "system_prompt_enabled", "system_prompt", "oauth", "prompts_collection")
            if name in self.model_fields_set
        ]
        if not self.manage_settings and owned:
            keys = ", ".join(f"mcp.{to_camel(name)}" for name in owned)
            raise ValueError(
                f"{keys} set, but mcp.manageSettings is false: this stack does not own the MCP settings of its "
                "Directus (the stack that does sets them); remove the key or make this stack the owner"
            )
        return self


class OAuthReview(_Model):
    """How ``drift`` and ``up`` treat OAuth grants (clients, consents, tokens of Directus's MCP OAuth server)."""

    #: ``drift`` flags OAuth clients nobody used (no token issued or refreshed) for this many days.
    unused_client_days: int = Field(default=30, ge=1, le=365)


class Guardrails(_Model):
    """Switches that make a stack stricter (production) or allow what is refused by default (developer)."""

    #: Templates that need admin_access (developer: schema changes) are refused unless this is true.
    allow_admin_access: bool = False
    #: Refuse the stack unless ``ipAllowlist`` is set.
    require_ip_allowlist: bool = False
    #: No member's token may live longer than this.
    max_rotation_days: int = Field(default=DEFAULT_ROTATION_DAYS, ge=1, le=365)
    #: A production stack refuses ``mcp.oauth.dynamicClientRegistration`` unless this is true: with DCR open,
    #: anyone who reaches Directus can register an OAuth client (the consent is still a user's).
    allow_dynamic_client_registration: bool = False
    #: The longest time-boxed elevation (``elevations[].until`` from now) this stack accepts.
    max_elevation_hours: int = Field(default=DEFAULT_MAX_ELEVATION_HOURS, ge=1, le=24 * 30)


class GuardSettings(GuardConfig):
    """``guard``: what the watch enforces (:class:`GuardConfig`) and the stack's read-only identity (``guard.user``).

    ``up`` creates that user with a policy that may only read the system collections ``preview``, ``drift``,
    ``audit`` and the live watch read (no app access, no admin), and a token, the secret output ``guardToken``:
    what unreviewed jobs (a pull request's preview) and long-running readers hold instead of the admin token.
    """

    #: The guard user's email (not an MCP member's; it follows no email pattern).
    user: str | None = None

    @field_validator("user")
    @classmethod
    def _valid_email(cls, value: str | None) -> str | None:
        if value is not None and not EMAIL_RE.match(value):
            raise ValueError(f"{value!r} is not a valid email address")
        return value.lower() if value is not None else None


class StackConfig(_Model):
    directus_url: str = Field(pattern=r"^https?://\S+$")
    email_pattern: str = DEFAULT_EMAIL_PATTERN
    members: list[Member] = Field(default_factory=list)
    templates: dict[str, TemplateSettings] = Field(default_factory=dict)
    ip_allowlist: list[str] = Field(default_factory=list)
    rotation_days: int = Field(default=DEFAULT_ROTATION_DAYS, ge=1, le=365)
    mcp: McpConfig = Field(default_factory=McpConfig)
    guardrails: Guardrails = Field(default_factory=Guardrails)
    audit: AuditConfig = Field(default_factory=AuditConfig)
    oauth_review: OAuthReview = Field(default_factory=OAuthReview)
    elevations: list[Elevation] = Field(default_factory=list)
    review: ReviewSettings = Field(default_factory=ReviewSettings)
    guard: GuardSettings = Field(default_factory=GuardSettings)
    recorder: RecorderConfig = Field(default_factory=RecorderConfig)
    delivery: DeliveryConfig = Field(default_factory=DeliveryConfig)

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
        return check_cidrs(value)

    @field_validator("templates")
    @classmethod
    def _known_templates(cls, value: dict[str, TemplateSettings], info: ValidationInfo) -> dict[str, TemplateSettings]:
        known = (info.context or {}).get("templates")
        unknown = [name for name in value if known is not None and name not in known]
        if unknown:
            raise ValueError(
                f"{', '.join(map(repr, unknown))} is not a role template (available: {', '.join(known or [])})"
            )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> StackConfig:
        problems: list[str] = []
        for attribute, label in (("name", "name"), ("email", "email"), ("mcp_email", "MCP email")):
            seen: dict[str, int] = {}
            for index, member in enumerate(self.members):
                value = self.mcp_email(member) if attribute == "mcp_email" else getattr(member, attribute)
                if value in seen:
                    problems.append(
                        f"members[{index}].{'email' if attribute == 'mcp_email' else attribute}: {label} {value!r} "
                        f"is already used by members[{seen[value]}]"
                    )
                seen.setdefault(value, index)
        limit = self.guardrails.max_rotation_days
        if self.rotation_days > limit:
            problems.append(f"rotationDays: {self.rotation_days} is longer than guardrails.maxRotationDays ({limit})")
        for index, member in enumerate(self.members):
            if member.rotate_after_days and member.rotate_after_days > limit:
                problems.append(
                    f"members[{index}].rotateAfterDays: {member.rotate_after_days} ({member.name}) is longer than "
                    f"guardrails.maxRotationDays ({limit})"
                )
        guard_user = self.guard.user
        for index, member in enumerate(self.members):
            if guard_user is not None and guard_user in (member.email, self.mcp_email(member)):
                problems.append(
                    f"guard.user: {guard_user!r} is also members[{index}] ({member.name}): use its own email"
                )
        if self.guardrails.require_ip_allowlist and not self.ip_allowlist:
            problems.append("ipAllowlist: empty, but guardrails.requireIpAllowlist is true for this stack")
        if problems:
            raise ValueError("\n  ".join(problems))
        return self

    @model_validator(mode="after")
    def _elevations_known(self) -> StackConfig:
        problems = elevation_problems(self.elevations, {m.name: m.template for m in self.members})
        if problems:
            raise ValueError("\n  ".join(problems))
        return self

    @model_validator(mode="after")
    def _log_not_granted(self) -> StackConfig:
        """No template may grant the recorder's log collection: members must not read or rewrite their own trail."""
        log = self.recorder.collection
        granting = sorted(name for name, settings in self.templates.items() if log in settings.collections)
        if self.recorder.enabled and granting:
            names = ", ".join(f"templates.{name}.collections" for name in granting)
            raise ValueError(
                f"{names}: {log!r} is the recorder's log collection (recorder.collection); members never get it"
            )
        return self

    def mcp_email(self, member: Member) -> str:
        """``john@company.com`` -> ``ai-john@company.com`` (with the default pattern)."""
        local, domain = member.email.split("@", 1)
        return self.email_pattern.format(local=local, domain=domain, name=member.name).lower()

    def rotation_for(self, member: Member) -> int:
        return member.rotate_after_days or self.rotation_days

    def template_settings(self, template: str) -> TemplateSettings:
        return self.templates.get(template) or TemplateSettings()

    def templates_in_use(self) -> list[str]:
        """Templates the stack instantiates: every configured one and every one a member uses."""
        return sorted({*self.templates, *(m.template for m in self.members), *(e.template for e in self.elevations)})

    @property
    def mcp_url(self) -> str:
        return f"{self.directus_url}/mcp"


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, _Model)


def _inner(annotation: Any) -> Any:
    """``X | None``, ``list[X]``, ``dict[str, X]`` -> ``X``; anything else as is."""
    args = [a for a in get_args(annotation) if a is not type(None)]
    return args[-1] if args else annotation


def _known_keys_at(loc: Sequence[Any]) -> list[str]:
    """The camelCase keys the model accepts where ``loc`` (a pydantic error location) ends, for an unknown key."""
    annotation: Any = StackConfig
    for part in loc[:-1]:
        while isinstance(annotation, UnionType) or get_origin(annotation) is Union:
            annotation = _inner(annotation)
        if not _is_model(annotation):
            annotation = _inner(annotation)  # a list index or a dict key
            continue
        fields = {to_camel(name): field.annotation for name, field in annotation.model_fields.items()}
        if str(part) not in fields:
            return []
        annotation = fields[str(part)]
    while not _is_model(annotation) and get_args(annotation):
        annotation = _inner(annotation)
    return [to_camel(name) for name in annotation.model_fields] if _is_model(annotation) else []


def _describe(error: Mapping[str, Any]) -> str:
    path = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in error["loc"]).replace(".[", "[")
    if error["type"] == "extra_forbidden":
        known = _known_keys_at(error["loc"])
        return f"{path}: not a setting of this tool" + (f" (known here: {', '.join(known)})" if known else "")
    message = str(error["msg"]).removeprefix("Value error, ")
    value = error.get("input")
    if not path and error["type"] == "value_error":
        return message  # a whole-config check: each line already names its entry
    if path and message.startswith(f"{path}:"):
        return message
    hidden = isinstance(value, dict | list) or value is None or repr(value) in message
    hidden = hidden or error["type"] == RECIPIENT_ERROR  # its message shows the key, shortened
    shown = "" if hidden else f" (got {value!r})"
    return f"{path or 'config'}: {message}{shown}"


def parse_config(
    raw: Mapping[str, Any], *, templates: Sequence[str] | None = None, present_keys: Iterable[str] = ()
) -> StackConfig:
    """Validate a plain mapping of camelCase keys (without namespace) into a :class:`StackConfig`.

    ``templates`` lists the role templates that exist; members and ``templates`` entries naming another one
    are errors. ``None`` skips that check (pure unit tests of other rules). ``present_keys``: every key set in the
    namespace; unknown ones are reported together with every other problem (one error listing them all).
    """
    lines = unknown_key_lines(present_keys)
    try:
        context = {"templates": list(templates)} if templates is not None else None
        config = StackConfig.model_validate(dict(raw), context=context)
    except ValidationError as exc:
        lines += [_describe(e) for e in exc.errors()]
    if lines:
        raise ConfigError("invalid stack configuration:\n  " + "\n  ".join(lines)) from None
    return config


CONFIG_KEYS = (
    "directusUrl",
    "emailPattern",
    "members",
    "templates",
    "ipAllowlist",
    "rotationDays",
    "mcp",
    "guardrails",
    "audit",
    "oauthReview",
    "elevations",
    "review",
    "guard",
    "recorder",
    "delivery",
)
#: Keys of the namespace that are not part of the model (read by the providers).
OTHER_KEYS = ("provisioningToken",)


def unknown_key_lines(keys: Iterable[str]) -> list[str]:
    """One line per key of the namespace this tool does not know (a typo such as ``ipAllowList``)."""
    unknown = sorted(set(keys) - set(CONFIG_KEYS) - set(OTHER_KEYS))
    return [
        f"{CONFIG_NAMESPACE}:{key}: not a setting of this tool (known: {', '.join(CONFIG_KEYS)})" for key in unknown
    ]


def check_known_keys(keys: Iterable[str]) -> None:
    """A key of the namespace this tool does not know (a typo such as ``ipAllowList``) is an error."""
    lines = unknown_key_lines(keys)
    if lines:
        raise ConfigError("invalid stack configuration:\n  " + "\n  ".join(lines))


def load_config(
    get: Callable[[str], str | None],
    *,
    templates: Sequence[str] | None = None,
    present_keys: Iterable[str] = (),
) -> StackConfig:
    """Read the stack's keys through ``get`` (e.g. ``pulumi.Config(CONFIG_NAMESPACE).get``) and validate.

    Structured values arrive as JSON text from Pulumi config; they are decoded here. ``present_keys`` are the
    keys set in the stack's namespace: one this tool does not know (a typo such as ``ipAllowList``) is an error
    rather than a silently ignored setting.
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
    return parse_config(raw, templates=templates, present_keys=present_keys)


__all__ = [
    "CONFIG_NAMESPACE",
    "AuditConfig",
    "ConfigError",
    "GuardSettings",
    "Member",
    "OAuthReview",
    "StackConfig",
    "check_known_keys",
    "load_config",
    "parse_config",
]
