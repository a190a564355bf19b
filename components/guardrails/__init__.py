"""The guardrail policy pack's rules (pure) and the pack that serves them. Imports nothing heavy: no client, no
pydantic, no httpx.
"""
