#!/usr/bin/env bash
# Builds the Windows installer: target/installer/taizhang-setup-VERSION.exe.
#
#   scripts/build-installer.sh [--exe PATH]
#
# Builds taizhang.exe with the `dist` profile for x86_64-pc-windows-gnu (unless --exe gives
# one), then packs it with NSIS (Debian package `nsis`; installer/taizhang.nsi). Needs the
# MinGW cross compiler and the Windows target (`.ci/run` installs both).
set -euo pipefail
cd "$(dirname "$0")/.."

EXE=""
if [ "${1:-}" = "--exe" ]; then EXE=$2; fi
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
TARGET_DIR=${CARGO_TARGET_DIR:-target}
if [ -z "$EXE" ]; then
    cargo build --locked --profile dist --target x86_64-pc-windows-gnu
    EXE=$TARGET_DIR/x86_64-pc-windows-gnu/dist/taizhang.exe
fi
command -v makensis >/dev/null || { echo "makensis not found: apt-get install nsis" >&2; exit 1; }
mkdir -p target/installer
OUT=$(pwd)/target/installer/taizhang-setup-$VERSION.exe
EXE_ABS=$(cd "$(dirname "$EXE")" && pwd)/$(basename "$EXE")
makensis -V2 -INPUTCHARSET UTF8 -DVERSION="$VERSION" -DEXE="$EXE_ABS" -DOUTFILE="$OUT" installer/taizhang.nsi
ls -l "$EXE_ABS" "$OUT"
echo "$OUT"
