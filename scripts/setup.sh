#!/usr/bin/env bash
# Installs what the build needs: the toolchain pinned by rust-toolchain.toml (with the riscv32im
# target, rust-src, clippy and rustfmt) and any system package. Every Rust dependency is pure
# Rust or builds with the C compiler every machine has; the system packages are tools the tests
# call. Add apt packages here, never by hand:
# - binutils-riscv64-unknown-elf: the GNU cross assembler and linker that the RISC-V simulator's
#   ISA tests (riscv-sim/tests/isa.rs) use to build the rv32ui/rv32um programs.
set -euo pipefail
cd "$(dirname "$0")/.."
packages=(binutils-riscv64-unknown-elf)
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
