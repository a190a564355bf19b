"""The toolchain's pins and ``bootstrap.sh``; the benchmark scripts are the package ``tools.bench``."""
