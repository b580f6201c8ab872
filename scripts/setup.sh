#!/usr/bin/env bash
# tetris-dqn set-up, sourced by run.sh and test.sh: installs what is missing, then exports the
# environment cargo needs. A second run finds everything in place and returns in well under 2 s.
#
#   TETRIS_DQN_VENV   where the Python venv holding libtorch lives (default: <repo>/.venv)
#   LIBTORCH          use an existing libtorch 2.13.0 instead of the venv (skips the venv)
#   TETRIS_DQN_SKIP_APT=1  do not check or install system packages

TETRIS_DQN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TORCH_VERSION="2.13.0"
APT_PACKAGES=(
  pkg-config libudev-dev libwayland-dev libxkbcommon-dev libasound2-dev libx11-dev
  libxkbcommon-x11-0 libx11-xcb1 libvulkan1 mesa-vulkan-drivers
  xvfb xauth imagemagick xdotool
)

tdqn_say() { printf '\033[1;34m[setup]\033[0m %s\n' "$*" >&2; }
tdqn_die() { printf '\033[1;31m[setup]\033[0m %s\n' "$*" >&2; return 1; }

tdqn_apt() {
  [ "${TETRIS_DQN_SKIP_APT:-0}" = 1 ] && return 0
  command -v dpkg-query >/dev/null || return 0   # not Debian: the README lists the packages
  local missing=()
  local status
  status=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${APT_PACKAGES[@]}" 2>/dev/null)
  for p in "${APT_PACKAGES[@]}"; do
    grep -q "^$p installed$" <<<"$status" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { tdqn_die "missing system packages: ${missing[*]} (install them as root)"; return 1; }
    sudo="sudo"
  fi
  tdqn_say "installing system packages: ${missing[*]}"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || { tdqn_die "apt-get install failed for: ${missing[*]}"; return 1; }
}

tdqn_libtorch() {
  if [ -n "${LIBTORCH:-}" ] && [ "${TETRIS_DQN_LIBTORCH_FROM_VENV:-0}" != 1 ]; then
    [ -f "$LIBTORCH/lib/libtorch_cpu.so" ] || { tdqn_die "LIBTORCH=$LIBTORCH has no lib/libtorch_cpu.so; expected a libtorch $TORCH_VERSION folder"; return 1; }
    return 0
  fi
  local venv="${TETRIS_DQN_VENV:-$TETRIS_DQN_ROOT/.venv}"
  local stamp="$venv/.torch-$TORCH_VERSION-ok"
  if [ ! -f "$stamp" ]; then
    command -v python3 >/dev/null || { tdqn_die "python3 is needed to fetch libtorch (pip install torch==$TORCH_VERSION)"; return 1; }
    tdqn_say "installing libtorch $TORCH_VERSION (pip install torch==$TORCH_VERSION into $venv; about 4.7 GB, a few minutes, once)"
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv" || { tdqn_die "could not create the venv at $venv"; return 1; }
    "$venv/bin/pip" install --no-input -q --disable-pip-version-check "torch==$TORCH_VERSION" \
      || { tdqn_die "pip install torch==$TORCH_VERSION failed"; return 1; }
    "$venv/bin/python" -W ignore -c 'import torch' \
      || { tdqn_die "torch does not import from $venv"; return 1; }
    touch "$stamp"
  fi
  if [ ! -e "$venv/libtorch/lib/libtorch_cpu.so" ]; then
    # A relative link, so the venv can be moved or cached as a whole.
    local site
    site=$(cd "$venv" && ls -d lib/python3*/site-packages/torch 2>/dev/null | head -n 1)
    [ -n "$site" ] || { tdqn_die "no torch package under $venv/lib; delete $venv and run again"; return 1; }
    ln -sfn "$site" "$venv/libtorch"
  fi
  export LIBTORCH="$venv/libtorch"
  export TETRIS_DQN_LIBTORCH_FROM_VENV=1
}

tdqn_cargo() {
  if ! command -v cargo >/dev/null; then
    [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
  fi
  command -v cargo >/dev/null || { tdqn_die "cargo not found: install Rust 1.95 (rustup) first"; return 1; }
}

tdqn_apt && tdqn_libtorch && tdqn_cargo
