"""The operations behind mcp-access: review, drift, audit, onboarding. Each is run (gather) -> rules/diff (decide,
pure) -> render (words).
"""
