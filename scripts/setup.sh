#!/usr/bin/env bash
# Installs what the build needs: the toolchain pinned by rust-toolchain.toml (with the riscv32im
# target, rust-src, clippy and rustfmt) and any system package. Today no system package is
# needed: every dependency is pure Rust or builds with the C compiler every machine has. Add
# apt packages here, never by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
packages=()
if [ ${#packages[@]} -gt 0 ]; then
  missing=()
  for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -q && apt-get install -y -q "${missing[@]}"
  fi
fi
# Install the toolchain pinned by rust-toolchain.toml, with its targets and components
# (idempotent; rustup >= 1.28 reads the file when given no toolchain name).
rustup toolchain install
