"""The local Directus (SQLite) for the embedded local stack and the tests: start, stop, demo collections."""
