"""``mcp-access watch``: the live guard (see ``docs/watch.md``)."""
