"""mcp-access onboard: one member's MCP client configuration (one table of clients) and security checklist."""
