"""mcp-access drift: managed objects changed by hand (refreshed preview), access no code declares (live scan),
tokens near rotation.
"""
