#!/usr/bin/env bash
# Builds a .deb for the domestic-OS PCs (统信UOS, 银河麒麟; Debian-based, x86-64 or ARM64):
#
#   scripts/build-deb.sh amd64|arm64      → target/deb/taizhang_VERSION_ARCH.deb
#
# The program goes to /usr/bin/taizhang, with a desktop entry (开始菜单/启动器: 台账) and the
# icon; the ledger is the user's, in the XDG data folder (~/.local/share/Taizhang), never in
# the package. arm64 is cross-compiled: Debian's gcc-aarch64-linux-gnu and
# `rustup target add aarch64-unknown-linux-gnu`. Not in CI (a second full build).
set -euo pipefail
cd "$(dirname "$0")/.."

ARCH=${1:?usage: scripts/build-deb.sh amd64|arm64}
case "$ARCH" in
    # The host's own build (this script runs on x86-64 Debian).
    amd64) TARGET="" ;;
    arm64)
        TARGET=aarch64-unknown-linux-gnu
        export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
        export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
        ;;
    *) echo "build-deb.sh: unknown architecture $ARCH (amd64 or arm64)" >&2; exit 2 ;;
esac
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
TARGET_DIR=${CARGO_TARGET_DIR:-target}
if [ -z "$TARGET" ]; then
    cargo build --locked --profile dist
    BINARY=$TARGET_DIR/dist/taizhang
else
    cargo build --locked --profile dist --target "$TARGET"
    BINARY=$TARGET_DIR/$TARGET/dist/taizhang
fi

ROOT=$(mktemp -d)
trap 'rm -rf "$ROOT"' EXIT
install -Dm755 "$BINARY" "$ROOT/usr/bin/taizhang"
install -Dm644 assets/icon.png "$ROOT/usr/share/icons/hicolor/256x256/apps/taizhang.png"
install -Dm644 assets/NotoSansSC-OFL.txt "$ROOT/usr/share/doc/taizhang/NotoSansSC-OFL.txt"
install -d "$ROOT/usr/share/applications" "$ROOT/DEBIAN"
cat >"$ROOT/usr/share/applications/taizhang.desktop" <<EOF
[Desktop Entry]
Type=Application
Name=Taizhang
Name[zh_CN]=台账
GenericName=Key-work plan ledger
GenericName[zh_CN]=重点工作台账
Comment=The yearly key-work plan and the departments' monthly returns
Comment[zh_CN]=年度重点工作计划与各部门月度报送
Exec=taizhang
Icon=taizhang
Terminal=false
Categories=Office;
EOF
SIZE=$(du -sk "$ROOT/usr" | cut -f1)
cat >"$ROOT/DEBIAN/control" <<EOF
Package: taizhang
Version: $VERSION
Architecture: $ARCH
Maintainer: Taizhang developers <rsxstg@163.com>
Installed-Size: $SIZE
Depends: libc6, libxkbcommon-x11-0, libxcursor1, libxrandr2, libxi6, libgl1 | libvulkan1
Recommends: libfontconfig1, fonts-noto-cjk | fonts-wqy-zenhei | fonts-wqy-microhei | fonts-droid-fallback
Section: office
Priority: optional
Description: Taizhang (台账), the key-work plan ledger
 The county ecology bureau's ledger of the yearly key-work plan, the departments'
 monthly returns (spreadsheets and e-mails) and the monthly progress sheet.
EOF
mkdir -p target/deb
OUT=target/deb/taizhang_${VERSION}_${ARCH}.deb
dpkg-deb --root-owner-group --build "$ROOT" "$OUT" >/dev/null
ls -l "$OUT"
echo "$OUT"
