#!/usr/bin/env bash
# Run `ansible-test sanity` over a real copy of the collection, offline.
#
# Why the get-pip stand-in: ansible-test bootstraps pip into each sanity venv with a
# get-pip script that it downloads from a CI file host this project's machines cannot
# reach. It looks for a cached copy first, at ~/.ansible/test/cache/get_pip_<version>.py.
# We put there a few lines that install from the pip wheel itself (fetched from PyPI
# with `pip download`), which is what get-pip does once it has unpacked its own copy.
#
# Why a copy: ansible-test needs the collection at .../ansible_collections/prodready/webstack
# and refuses a symlink. We build the tarball (which also proves galaxy.yml's build_ignore)
# and install it into a directory outside this git work tree (inside it, ansible-test would
# ask git for the file list and find no tracked file), so sanity sees what users get.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
python_version=${SANITY_PYTHON:-3.11}
bin="$top/.venv/bin"
cache="$HOME/.ansible/test/cache"

pip_version=$("$bin/python" - <<'PY'
import re, pathlib, ansible_test
src = pathlib.Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py"
print(re.search(r"pip='([0-9.]+)'", src.read_text()).group(1))
PY
)
shim="$cache/get_pip_${pip_version//./_}.py"
if [ ! -f "$shim" ]; then
  mkdir -p "$cache"
  "$bin/pip" download -q --disable-pip-version-check --no-deps --only-binary=:all: -d "$cache" "pip==$pip_version"
  cat >"$shim" <<PY
# Offline stand-in for get-pip.py, written by prodready.webstack's tools/sanity.sh.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "pip-${pip_version}-py3-none-any.whl"))
from pip._internal.cli.main import main
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
sys.exit(main(["install", *args]))
PY
  echo "sanity: wrote offline pip bootstrap $shim"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/prodready-sanity.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$bin/ansible-galaxy" collection build --force --output-path "$work" "$top" >/dev/null
"$bin/ansible-galaxy" collection install --force --no-deps -p "$work" "$work"/prodready-webstack-*.tar.gz 2>/dev/null >/dev/null
cd "$work/ansible_collections/prodready/webstack"
"$bin/ansible-test" sanity --python "$python_version" --color no "$@"
