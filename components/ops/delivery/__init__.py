"""Sealed delivery: tokens reach members encrypted to their own public key (age), never in clear."""
