"""The Pulumi type names of this project's resources, in one place.

The providers and components declare them; the policy pack, ``drift`` and the benchmark recognise resources
by them. Kept free of imports so that the policy pack's process loads nothing else to use them.
"""

from __future__ import annotations

#: Module of the dynamic resources' types: ``pulumi-python:dynamic/directus:<Kind>`` (e.g. ``...:User``).
DYNAMIC_MODULE = "directus"
DYNAMIC_PREFIX = f"pulumi-python:dynamic/{DYNAMIC_MODULE}:"
#: The type every dynamic resource had before they were named: kept as an alias so existing state carries over.
UNTYPED_DYNAMIC = "pulumi-python:dynamic:Resource"
#: The dynamic-provider resource; the engine hands it the stack config.
DYNAMIC_PROVIDER = "pulumi:providers:pulumi-python"
TEMPLATE_COMPONENT = "directus-mcp-access:index:TemplateAccess"
MEMBER_COMPONENT = "directus-mcp-access:index:McpMember"
