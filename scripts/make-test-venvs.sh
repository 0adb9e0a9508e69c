#!/usr/bin/env bash
# Builds the real virtual environments that the Python probe tests compare against
# importlib.metadata. Everything comes from PyPI through pip (pinned versions), except the
# tiny local projects below, which pip/setuptools install as editable or egg-info installs.
#
# Usage: scripts/make-test-venvs.sh [DEST]   (DEST defaults to .test-venvs beside this script's
# package root). Idempotent: a marker that holds this script's checksum says the folder is
# complete; a lock lets parallel test processes wait for one builder. Prints DEST.
#
# Venvs (each DEST/<name>, interpreter DEST/<name>/bin/python):
#   wheels     ordinary wheels, names that need PEP 503 normalization (zope.interface,
#              typing_extensions, Jinja2, MarkupSafe)
#   editable   PEP 660 editable install (dist-info + __editable__ finder .pth) and a
#              compat-mode editable install (dist-info + a path line in a .pth)
#   eggs       legacy `setup.py develop` (.egg-link + easy-install.pth -> project egg-info),
#              an egg-info folder (`setup.py install --single-version-externally-managed`),
#              an egg-info file written by distutils' install_egg_info
#   records    docutils (shebang-rewritten scripts, a package) and six (a top-level module),
#              for checks of installed files against RECORD
#   system     --system-site-packages, with a package that shadows the base interpreter's
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
package_root=$(dirname "$script_dir")
dest=${1:-$package_root/.test-venvs}
python=${ENVLOCK_TEST_PYTHON:-python3}
# The real interpreter behind shims (pyenv), so that venv `home` points at a real prefix.
python=$("$python" -c 'import sys; print(sys.executable)')

mkdir -p "$dest"
checksum=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)
marker="$dest/.complete-$checksum"

exec 9>"$dest/.lock"
flock 9
if [[ -f "$marker" ]]; then
    echo "$dest"
    exit 0
fi

log="$dest/build.log"
: >"$log"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

make_venv() { # name [venv options...]
    local name=$1; shift
    rm -rf "${dest:?}/$name"
    "$python" -m venv "$@" "$dest/$name" >>"$log" 2>&1
}
pip_in() { # name pip-arguments...
    local name=$1; shift
    "$dest/$name/bin/python" -m pip "$@" >>"$log" 2>&1
}
make_project() { # folder name version [pyproject|setup.py|distutils]
    local folder=$1 name=$2 version=$3 kind=$4 module
    module=$(echo "$name" | tr 'A-Z.-' 'a-z__')
    rm -rf "$folder"; mkdir -p "$folder/$module"
    echo "__version__ = '$version'" >"$folder/$module/__init__.py"
    case $kind in
    pyproject)
        cat >"$folder/pyproject.toml" <<TOML
[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "$name"
version = "$version"

[tool.setuptools]
packages = ["$module"]
TOML
        ;;
    setup.py)
        cat >"$folder/setup.py" <<PY
from setuptools import setup
setup(name="$name", version="$version", packages=["$module"])
PY
        ;;
    distutils)
        cat >"$folder/setup.py" <<PY
from distutils.core import setup
setup(name="$name", version="$version", packages=["$module"])
PY
        ;;
    esac
}

projects="$dest/projects"
mkdir -p "$projects"

echo "building wheels venv" >&2
make_venv wheels
pip_in wheels install six==1.16.0 idna==3.6 attrs==23.2.0 packaging==23.2 \
    Jinja2==3.1.3 MarkupSafe==2.1.5 typing_extensions==4.9.0 zope.interface==6.1

echo "building editable venv" >&2
make_venv editable
make_project "$projects/modern" Tiny.Modern_Editable 0.1.0 pyproject
make_project "$projects/compat" tiny-compat-editable 0.2.0 pyproject
pip_in editable install six==1.16.0
pip_in editable install -e "$projects/modern"
pip_in editable install -e "$projects/compat" --config-settings editable_mode=compat

echo "building eggs venv" >&2
make_venv eggs
make_project "$projects/legacy-develop" tiny_legacy_develop 0.3.0 setup.py
make_project "$projects/egg-info-folder" Tiny-Egg-Info-Folder 0.4.0 setup.py
make_project "$projects/egg-info-file" tiny.egg.info.file 0.5.0 distutils
pip_in eggs install idna==3.6
(cd "$projects/legacy-develop" && "$dest/eggs/bin/python" setup.py develop) >>"$log" 2>&1
(cd "$projects/egg-info-folder" && "$dest/eggs/bin/python" setup.py install \
    --single-version-externally-managed --record "$projects/egg-info-folder/record.txt") >>"$log" 2>&1
if "$dest/eggs/bin/python" -c 'import sys; sys.exit(sys.version_info >= (3, 12))'; then
    # distutils (stdlib, before 3.12) writes PKG-INFO as a single `<name>.egg-info` file.
    (cd "$projects/egg-info-file" && SETUPTOOLS_USE_DISTUTILS=stdlib "$dest/eggs/bin/python" setup.py install) >>"$log" 2>&1
fi

echo "building system venv" >&2
make_venv system --system-site-packages
# idna is also in most base interpreters: the venv's copy must win, as on sys.path.
pip_in system install --ignore-installed idna==3.6 six==1.16.0

echo "building records venv" >&2
# RECORD checks (python.packages.NAME.files): docutils 0.20.1 ships `#!python` scripts in its
# .data/scripts, whose shebang pip rewrites at install (recording the rewritten file's hash),
# and a package folder; six is a module at the top of site-packages. Installed without
# bytecode, which the tests write themselves.
make_venv records
pip_in records install --no-compile docutils==0.20.1 six==1.16.0

rm -f "$dest"/.complete-*
touch "$marker"
echo "$dest"
