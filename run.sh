#!/usr/bin/env bash
# lokonb's two commands (README "Quick start"):
#   ./run.sh main   set everything up, then run every notebook on its default parameters (lokonb run-all)
#   ./run.sh test   set everything up, then run the whole test suite
# Idempotent: Debian packages, the virtual environment and pip installs happen only when something is missing
# or pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")"

die() { echo "run.sh: $*" >&2; exit 1; }

PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' 2>/dev/null \
  || die "lokonb needs Python 3.11 (found: $("$PYTHON" --version 2>&1 || echo none)); install python3.11 and retry"

# --- Debian packages -------------------------------------------------------------------------------------------
need_pkgs=()
dpkg_has() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for pkg in python3-venv ignition etcd-server etcd-client openssl; do
  dpkg_has "$pkg" || need_pkgs+=("$pkg")
done
if [ "${LOKONB_REQUIRE_BROWSER:-0}" = 1 ]; then dpkg_has chromium || need_pkgs+=(chromium); fi
if [ ${#need_pkgs[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "missing Debian packages: ${need_pkgs[*]} (run as root or install sudo)"
    SUDO=sudo
  fi
  echo "run.sh: installing Debian packages: ${need_pkgs[*]}"
  $SUDO apt-get update -qq || die "apt-get update failed; install manually: ${need_pkgs[*]}"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" \
    || die "could not install Debian packages: ${need_pkgs[*]}"
else
  echo "run.sh: Debian packages present (no apt work)"
fi

# --- virtual environment -----------------------------------------------------------------------------------------
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)'; then
  echo "run.sh: creating .venv"
  rm -rf .venv
  "$PYTHON" -m venv .venv
fi
stamp=".venv/.lokonb-pyproject.sha256"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "run.sh: installing lokonb and its test extras into .venv"
  .venv/bin/python -m pip install -q -U pip
  .venv/bin/python -m pip install -q -e '.[test]'
  echo "$want" > "$stamp"
else
  echo "run.sh: .venv up to date (no pip work)"
fi
export PATH="$PWD/.venv/bin:$PATH"
export MPLBACKEND=Agg

case "${1:-}" in
  main)
    shift
    exec lokonb run-all "$@"
    ;;
  test)
    shift
    # pytest exits 5 when it collected no test: that is a failure here, never a pass.
    set +e
    # Test files are spread over the machine's cores (at most 4: each worker starts its own embedded AWS and
    # notebook kernels); a file stays on one worker, so its module fixtures are built once. `-n 0` after
    # `./run.sh test` runs everything in this process.
    python -m pytest -n auto --maxprocesses 4 --dist loadfile "$@"
    rc=$?
    set -e
    if [ "$rc" = 5 ]; then echo "run.sh: no tests were collected - failing" >&2; exit 1; fi
    exit "$rc"
    ;;
  *)
    echo "usage: ./run.sh main | test [pytest args]" >&2
    exit 2
    ;;
esac
