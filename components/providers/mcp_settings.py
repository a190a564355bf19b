"""Dynamic provider for the MCP settings of a Directus instance (a singleton in ``/settings``).

Directus ignores unknown keys in ``PATCH /settings`` silently, so every write is read back and compared.
``delete`` (``pulumi destroy``, or removing the resource) restores Directus's defaults: MCP disabled,
deletes disallowed, the built-in system prompt enabled and no custom prompt, OAuth off, no prompts collection,
unless the stack's config now says ``mcp.manageSettings: false`` (it handed the settings to another stack on the
same Directus): then ``delete`` only releases them.

The OAuth switches and the prompts collection (:data:`LATER_FIELDS`) came later than the first fields: a state
written before they were managed has no value for them, and a Directus older than 12.0 has no such columns. Both
count as Directus's default, so neither shows a change unless the stack declares something else; declaring a
non-default value on a server without the column fails naming the field.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, ConfigureRequest, CreateResult, DiffResult, ReadResult, UpdateResult

from components.errors import McpAccessError
from components.kinds import MCP_SETTINGS
from components.model.validation import bool_error
from components.names import CONFIG_NAMESPACE
from components.providers.base import DirectusProvider, DirectusResource, Props, failure, is_unknown

FIRST_FIELDS = ("mcp_enabled", "mcp_allow_deletes", "mcp_system_prompt_enabled", "mcp_system_prompt")
#: Managed since the OAuth settings (Directus 12.0+ columns).
LATER_FIELDS = ("mcp_oauth_enabled", "mcp_oauth_dcr_enabled", "mcp_oauth_cimd_enabled", "mcp_prompts_collection")
MCP_FIELDS = FIRST_FIELDS + LATER_FIELDS
TEXT_FIELDS = ("mcp_system_prompt", "mcp_prompts_collection")
BOOL_FIELDS = tuple(field for field in MCP_FIELDS if field not in TEXT_FIELDS)
DIRECTUS_DEFAULTS: dict[str, Any] = {
    "mcp_enabled": False,
    "mcp_allow_deletes": False,
    "mcp_system_prompt_enabled": True,
    "mcp_system_prompt": None,
    "mcp_oauth_enabled": False,
    "mcp_oauth_dcr_enabled": False,
    "mcp_oauth_cimd_enabled": False,
    "mcp_prompts_collection": None,
}
SETTINGS_ID = "directus-settings"
MCP_KEY = f"{CONFIG_NAMESPACE}:mcp"


def owns_settings(mcp_config: str | None) -> bool:
    """``mcp.manageSettings`` from the stack's raw ``mcp`` config (JSON text); true unless it says ``false``."""
    try:
        value = json.loads(mcp_config) if mcp_config else {}
    except json.JSONDecodeError:
        return True  # the program reports the bad value before any step
    return not (isinstance(value, dict) and value.get("manageSettings") is False)


class SettingsNotAppliedError(McpAccessError):
    """Directus accepted the PATCH but a value did not stick (e.g. a key this version does not know)."""


class McpSettingsProvider(DirectusProvider):
    managed_fields = MCP_FIELDS

    def configure(self, req: ConfigureRequest) -> None:
        super().configure(req)
        self._owns_settings = owns_settings(req.config.get(MCP_KEY))

    def validate(self, news: Props) -> list[CheckFailure]:
        problems = []
        for field in BOOL_FIELDS:
            value = news.get(field, DIRECTUS_DEFAULTS[field])
            if not is_unknown(value) and (error := bool_error(value)):
                problems.append(failure(field, error))
        for field in TEXT_FIELDS:
            value = news.get(field)
            if value is not None and not is_unknown(value) and not isinstance(value, str):
                problems.append(failure(field, f"{value!r} is not text"))
        return problems

    def diff(self, id_: str, olds: Props, news: Props) -> DiffResult:
        # A state from before a field was managed has no value for it: it counts as Directus's default.
        olds = {**{f: DIRECTUS_DEFAULTS[f] for f in LATER_FIELDS if f not in olds}, **olds}
        news = {**{f: DIRECTUS_DEFAULTS[f] for f in LATER_FIELDS if f not in news}, **news}
        return super().diff(id_, olds, news)

    def _live_row(self) -> Props:
        """The MCP columns this Directus has (``fields=*``: asking for a column it lacks is an error)."""
        data = self.client.get("/settings", params={"fields": "*"}) or {}
        return {f: data[f] for f in MCP_FIELDS if f in data}

    def _live(self) -> Props:
        row = self._live_row()
        return {f: row.get(f, DIRECTUS_DEFAULTS[f]) for f in MCP_FIELDS}

    def _apply(self, values: Props) -> Props:
        body = {f: values.get(f, DIRECTUS_DEFAULTS[f]) for f in MCP_FIELDS}
        before = self._live_row()
        lacking = [f for f in LATER_FIELDS if f not in before]
        unsupported = [f for f in lacking if body[f] != DIRECTUS_DEFAULTS[f]]
        if unsupported:
            details = ", ".join(f"{f}: {body[f]!r}" for f in unsupported)
            raise SettingsNotAppliedError(
                f"this Directus has no setting {', '.join(unsupported)} (added in Directus 12.0); declared {details}. "
                "Upgrade Directus or leave the setting out of the stack"
            )
        self.client.request("PATCH", "/settings", json={f: v for f, v in body.items() if f not in lacking})
        live = self._live()
        wrong = [f for f in MCP_FIELDS if live.get(f) != body.get(f)]
        if wrong:
            details = ", ".join(f"{f}: sent {body.get(f)!r}, Directus has {live.get(f)!r}" for f in wrong)
            raise SettingsNotAppliedError(f"Directus did not apply the MCP settings ({details})")
        return live

    def create(self, props: Props) -> CreateResult:
        return CreateResult(SETTINGS_ID, self._apply(props))

    def read(self, id_: str, props: Props) -> ReadResult:
        return ReadResult(id_, {**props, **self._live()})

    def update(self, _id: str, _olds: Props, news: Props) -> UpdateResult:
        return UpdateResult(self._apply(news))

    def delete(self, _id: str, _props: Props) -> None:
        if not getattr(self, "_owns_settings", True):
            return  # handed over to another stack on this Directus: leave its values alone
        self._apply(DIRECTUS_DEFAULTS)


class McpSettings(DirectusResource, kind=MCP_SETTINGS):
    mcp_enabled: pulumi.Output[bool]
    mcp_allow_deletes: pulumi.Output[bool]

    def __init__(
        self,
        name: str,
        *,
        mcp_enabled: pulumi.Input[bool] = True,
        mcp_allow_deletes: pulumi.Input[bool] = False,
        mcp_system_prompt_enabled: pulumi.Input[bool] = True,
        mcp_system_prompt: pulumi.Input[str] | None = None,
        mcp_oauth_enabled: pulumi.Input[bool] = False,
        mcp_oauth_dcr_enabled: pulumi.Input[bool] = False,
        mcp_oauth_cimd_enabled: pulumi.Input[bool] = False,
        mcp_prompts_collection: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "mcp_enabled": mcp_enabled,
            "mcp_allow_deletes": mcp_allow_deletes,
            "mcp_system_prompt_enabled": mcp_system_prompt_enabled,
            "mcp_system_prompt": mcp_system_prompt,
            "mcp_oauth_enabled": mcp_oauth_enabled,
            "mcp_oauth_dcr_enabled": mcp_oauth_dcr_enabled,
            "mcp_oauth_cimd_enabled": mcp_oauth_cimd_enabled,
            "mcp_prompts_collection": mcp_prompts_collection,
        }
        super().__init__(McpSettingsProvider(), name, props, opts)
