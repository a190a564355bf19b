"""``mcp-access preview`` in process: the plan of a refreshed preview and the guardrail pack, without the engine."""
