#!/usr/bin/env bash
# Smoke-tests a .deb headless: unpacks it, checks the desktop entry and the icon, and runs
# `plan --json` and `export-sheet` (XLSX and PDF) on a new ledger; an arm64 package runs under
# qemu-user (Debian's qemu-user, with the arm64 C library of libc6-dev-arm64-cross).
#
#   scripts/test-deb.sh target/deb/taizhang_VERSION_ARCH.deb
set -euo pipefail
DEB=$1
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "test-deb: FAILED: $*" >&2; exit 1; }
dpkg-deb -x "$DEB" "$WORK/root"
ARCH=$(dpkg-deb -f "$DEB" Architecture)
[ -x "$WORK/root/usr/bin/taizhang" ] || fail "no /usr/bin/taizhang"
grep -q '^Name\[zh_CN\]=台账$' "$WORK/root/usr/share/applications/taizhang.desktop" || fail "desktop entry"
[ -s "$WORK/root/usr/share/icons/hicolor/256x256/apps/taizhang.png" ] || fail "icon"
case "$ARCH" in
    arm64) RUN=(qemu-aarch64 -L /usr/aarch64-linux-gnu "$WORK/root/usr/bin/taizhang") ;;
    amd64) RUN=("$WORK/root/usr/bin/taizhang") ;;
    *) fail "unknown architecture $ARCH" ;;
esac
file "$WORK/root/usr/bin/taizhang"
"${RUN[@]}" --version
"${RUN[@]}" --db "$WORK/台账.sqlite" plan --json >"$WORK/plan.json"
python3 -c "import json,sys; assert json.load(open(sys.argv[1]))['year'] == 2019" "$WORK/plan.json" || fail "plan --json"
"${RUN[@]}" --db "$WORK/台账.sqlite" export-sheet --period 2019-07 \
    --xlsx "$WORK/进展表.xlsx" --pdf "$WORK/进展表.pdf" --json >/dev/null || fail "export-sheet"
[ -s "$WORK/进展表.xlsx" ] && [ -s "$WORK/进展表.pdf" ] || fail "export-sheet wrote nothing"
echo "test-deb: $ARCH: all passed"
