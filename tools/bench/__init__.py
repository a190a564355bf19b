"""The benchmark and its helpers (run from the project folder: ``.venv/bin/python -m tools.bench.benchmark``).

``tools/`` itself holds the toolchain: ``bootstrap.sh`` and the pins it installs (``pulumi/``, ``node22/``,
``directus/``, ``directus-11/``, ``d6s/``).
"""
