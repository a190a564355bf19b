"""Defaults of the stack config that the policy pack also needs: kept free of pydantic so it can read them."""

from __future__ import annotations

#: ``john@company.com`` -> ``ai-john@company.com``.
DEFAULT_EMAIL_PATTERN = "ai-{local}@{domain}"
#: Days a static token lives before ``up`` rotates it (and the guardrail's default limit).
DEFAULT_ROTATION_DAYS = 90
#: Stacks treated as production by the program's own checks and by the pack (its ``productionStacks`` default).
DEFAULT_PRODUCTION_STACKS = ("production",)
