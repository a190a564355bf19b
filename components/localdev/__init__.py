"""The local Directus for the embedded local stack, the tests and the benchmark: profiles (SQLite; PostgreSQL + Redis
with two instances), Directus lines (12.x, 11.x), start, stop, demo collections."""
