"""mcp-access audit: the managed MCP users' activity over a period, checked for the security guide's warning signs."""
