"""Break-glass: ``mcp-access revoke`` and ``mcp-access rotate`` (one member, now, without a PR), and the guard
that keeps ``up`` from re-enabling a revoked member unless told (``up --restore MEMBER``).
"""
