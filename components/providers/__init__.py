"""Pulumi dynamic providers, one module per Directus object kind (see components.kinds), on shared bases; the
connection they use. Class paths are pickled into users' state: never move them.
"""
