"""Talking to Directus: the REST client (auth, retries, errors, paging, batches), shared listings, and an MCP JSON-
RPC client.
"""
