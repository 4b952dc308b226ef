# Shared by bin/run and bin/test: a virtualenv on Python >= 3.12 with the project installed.
# Usage: source bin/_env.sh [extra]   (extra = "test" to include the test dependencies)

find_python() {
  local candidates=()
  if [ -n "${PYENV_ROOT:-}" ] || [ -d "$HOME/.pyenv" ]; then
    candidates+=("${PYENV_ROOT:-$HOME/.pyenv}/versions/$(cat .python-version)/bin/python")
  fi
  candidates+=(python3.13 python3.12 python3)
  for py in "${candidates[@]}"; do
    if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then
      command -v "$py"
      return 0
    fi
  done
  echo "Python 3.12 or newer is needed (see .python-version)" >&2
  return 1
}

ensure_venv() {
  local extra="${1:-}"
  if [ ! -x .venv/bin/python ]; then
    "$(find_python)" -m venv .venv
  fi
  # Reinstall only when the dependencies change.
  local stamp=".venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)-${extra:-app}"
  if [ ! -f "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    if [ -n "$extra" ]; then
      .venv/bin/python -m pip install --quiet -e ".[$extra]"
    else
      .venv/bin/python -m pip install --quiet -e .
    fi
    touch "$stamp"
  fi
}
