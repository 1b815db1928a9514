#!/usr/bin/env bash
# Installs what the build needs beyond what rust-toolchain.toml brings (the pinned toolchain,
# the riscv32im target, rust-src, clippy and rustfmt are installed by rustup on first use).
# Today no system package is needed: every dependency is pure Rust or builds with the C
# compiler every machine has. Add apt packages here, never by hand.
set -euo pipefail
packages=()
if [ ${#packages[@]} -gt 0 ]; then
  missing=()
  for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -q && apt-get install -y -q "${missing[@]}"
  fi
fi
# Trigger rustup's install of the pinned toolchain and its targets/components.
rustup show active-toolchain >/dev/null
