"""mcp-access review: permission matrix per stack and what changes against a git revision (no Pulumi, no Directus)."""
