"""``mcp-access report``: the monthly review as one self-contained HTML page (run → view → render)."""
