#!/usr/bin/env bash
# Tests the Windows installer under Wine, as the county's IT staff would use it, for a user
# whose Windows name is Chinese (so that %APPDATA% is C:\users\生态股\AppData\Roaming):
#
#   scripts/test-installer.sh target/installer/taizhang-setup-VERSION.exe
#
# 1. a silent install (/S), without administrator rights, into
#    %LOCALAPPDATA%\Programs\Taizhang, with the Start-menu and desktop shortcuts and the
#    uninstaller registered under HKCU;
# 2. the program run through the Start-menu shortcut's target: --version; an older version's
#    ledger in %APPDATA%\Taizhang upgraded with its pre-upgrade backup; plan --json,
#    templates and export-sheet into folders with Chinese names, a refused command writing the
#    log; the window under Xvfb with no Vulkan driver (a software adapter, then OpenGL);
# 3. installing again over it keeps the ledger;
# 4. a silent uninstall removes the program, its shortcuts and its registration, and leaves
#    the ledger, its backups and its log.
#
# Needs Xvfb too.
#
# Needs Debian's wine (64-bit) and the MinGW compiler; Wine 8 lacks ProcessPrng, which Rust's
# std imports, so a small DLL of the tests' (tests/wine/processprng.c) is put next to the
# installed exe for the test only. Never shipped.
set -euo pipefail
cd "$(dirname "$0")/.."

INSTALLER=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
WORK=$(mktemp -d /tmp/taizhang-wine.XXXXXX)
trap 'wineserver -k >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
# A Chinese Windows: the user's name, and the ANSI code page 936 (from the zh_CN locale).
export WINEPREFIX=$WORK/prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" USER=生态股
export LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8
fail() { echo "test-installer: FAILED: $*" >&2; exit 1; }
ok() { echo "test-installer: ok: $*"; }

wine wineboot -i >/dev/null 2>&1
wineserver -w
PROFILE=$WINEPREFIX/drive_c/users/$USER
[ -d "$PROFILE" ] || fail "no profile folder for $USER"

x86_64-w64-mingw32-gcc -shared -O2 -o "$WORK/bcryptprimitives.dll" tests/wine/processprng.c -Wl,--kill-at

# 1. Silent install.
wine "$INSTALLER" /S
wineserver -w
INSTDIR=$PROFILE/AppData/Local/Programs/Taizhang
[ -f "$INSTDIR/taizhang.exe" ] || fail "taizhang.exe not installed in $INSTDIR"
[ -f "$INSTDIR/uninstall.exe" ] || fail "no uninstaller"
START_MENU=$PROFILE/AppData/Roaming/Microsoft/Windows/Start\ Menu/Programs/台账.lnk
DESKTOP=$PROFILE/Desktop/台账.lnk
[ -f "$START_MENU" ] || fail "no Start-menu shortcut"
[ -f "$DESKTOP" ] || fail "no desktop shortcut"
wine reg query 'HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\Taizhang' /v DisplayName \
    2>/dev/null | grep -q Taizhang || fail "the uninstaller is not registered under HKCU"
ok "installed into $INSTDIR with shortcuts and the Uninstall key"

# 2. The shortcut's target (read from the .lnk), run.
TARGET=$(python3 - "$START_MENU" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
flags = struct.unpack_from("<I", data, 0x14)[0]
pos = 0x4C
if flags & 0x1:  # HasLinkTargetIDList
    pos += 2 + struct.unpack_from("<H", data, pos)[0]
if not flags & 0x2:  # HasLinkInfo
    sys.exit("the shortcut has no LinkInfo")
size, header, _, _, base = struct.unpack_from("<IIIII", data, pos)
if header >= 0x24:
    unicode = struct.unpack_from("<I", data, pos + 0x1C)[0]
    raw = data[pos + unicode:]
    end = next(i for i in range(0, len(raw), 2) if raw[i:i + 2] == b"\0\0")
    print(raw[:end].decode("utf-16-le"))
else:
    raw = data[pos + base:]
    # The ANSI path, in the code page of a Chinese Windows.
    print(raw[:raw.index(b"\0")].decode("gbk"))
PY
)
case "$TARGET" in *'\Programs\Taizhang\taizhang.exe') ;; *) fail "the shortcut points at $TARGET" ;; esac
EXE=$(winepath -u "$TARGET")
[ -f "$EXE" ] || fail "the shortcut's target $TARGET does not exist"
cp "$WORK/bcryptprimitives.dll" "$(dirname "$EXE")/"
run() {
    if ! wine "$EXE" "$@" 2>"$WORK/stderr"; then
        cat "$WORK/stderr" >&2
        return 1
    fi
}

VERSION_LINE=$(run --version) || fail "--version"
VERSION_LINE=$(printf '%s' "$VERSION_LINE" | tr -d '\r')
case "$VERSION_LINE" in "taizhang "*) ;; *) fail "--version printed: $VERSION_LINE" ;; esac
[ "$(printf '%s\n' "$VERSION_LINE" | wc -l)" -eq 1 ] || fail "--version is not one line"
ok "--version: $VERSION_LINE"

# An older version's ledger waits in %APPDATA%\Taizhang: a real ledger written by the
# version-3 program (tests/fixtures/ledger-v3.sqlite, the same file tests/store.rs upgrades).
# The new program upgrades it, after a backup made before the upgrade.
ROAMING=$PROFILE/AppData/Roaming/Taizhang
mkdir -p "$ROAMING"
cp tests/fixtures/ledger-v3.sqlite "$ROAMING/ledger.sqlite"
run plan --json >"$WORK/plan.json" || fail "plan --json"
ls "$ROAMING/backups/"*-v3.sqlite >/dev/null 2>&1 || fail "no backup made before the upgrade"
ok "a version-3 ledger upgraded, its pre-upgrade backup in %APPDATA%\Taizhang\backups"
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['year']==2019, d" "$WORK/plan.json" \
    || fail "plan --json"
LEDGER=$PROFILE/AppData/Roaming/Taizhang/ledger.sqlite
[ -f "$LEDGER" ] || fail "the default ledger is not at $LEDGER"
ok "plan --json through the shortcut's target; the ledger is in %APPDATA%\\Taizhang"

run --today 2019-08-05 templates --period 2019-07 --out 'C:\users\生态股\Documents\七月模板' >/dev/null \
    || fail "templates"
ls "$PROFILE/Documents/七月模板/"*.xlsx >/dev/null 2>&1 || fail "templates under the Chinese profile"
run export-sheet --period 2019-07 --xlsx 'C:\users\生态股\Documents\进展表.xlsx' \
    --pdf 'C:\users\生态股\Documents\进展表.pdf' --json >/dev/null || fail "export-sheet"
[ -s "$PROFILE/Documents/进展表.xlsx" ] && [ -s "$PROFILE/Documents/进展表.pdf" ] || fail "export-sheet"
if wine "$EXE" export-sheet --period 2030-01 --json >/dev/null 2>&1; then
    fail "a month outside the plan was accepted"
fi
grep -q "2030年1月" "$PROFILE/AppData/Roaming/Taizhang/taizhang.log" || fail "the log under the Chinese profile"
ok "templates, export-sheet and the log under C:\\users\\生态股"

# The window, on a display without a GPU and without a Vulkan driver: wgpu's software
# adapter; with wgpu's Vulkan and DX12 backends only (no adapter at all), OpenGL (glow).
if command -v Xvfb >/dev/null; then
    Xvfb :97 -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
    XVFB=$!
    sleep 1
    window() {
        DISPLAY=:97 TAIZHANG_FIRST_FRAME_PROBE=1 VK_ICD_FILENAMES=/nonexistent.json \
            VK_DRIVER_FILES=/nonexistent.json "$@" wine "$EXE" --db 'C:\users\生态股\窗口.sqlite' \
            --today 2019-08-05 2>/dev/null | grep -q "first frame painted"
    }
    LOG=$PROFILE/taizhang.log
    window env || fail "the window did not open without a Vulkan driver"
    grep -q "渲染：wgpu" "$LOG" || fail "the log does not say which renderer runs"
    rm -f "$LOG"
    window env WGPU_BACKEND=vulkan,dx12 || fail "the window did not fall back to OpenGL"
    grep -q "渲染：OpenGL（glow）" "$LOG" || fail "the log does not say OpenGL runs"
    kill "$XVFB"
    ok "the window opens with no GPU and no Vulkan driver: $(grep -h 渲染 "$LOG" | tail -1 | cut -d' ' -f3-)"
else
    echo "test-installer: Xvfb not installed: the window under Wine was not tried" >&2
    exit 1
fi

# 3. Installing again keeps the ledger.
BEFORE=$(sha256sum "$LEDGER" | cut -d' ' -f1)
wine "$INSTALLER" /S
wineserver -w
[ "$(sha256sum "$LEDGER" | cut -d' ' -f1)" = "$BEFORE" ] || fail "reinstalling changed the ledger"
ok "reinstalled over itself; the ledger untouched"

# 4. Silent uninstall.
wine "$INSTDIR/uninstall.exe" /S
wineserver -w
sleep 2
wineserver -w
[ ! -e "$INSTDIR/taizhang.exe" ] || fail "taizhang.exe still installed"
[ ! -e "$START_MENU" ] && [ ! -e "$DESKTOP" ] || fail "shortcuts left behind"
if wine reg query 'HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\Taizhang' >/dev/null 2>&1; then
    fail "the Uninstall key is still there"
fi
[ -f "$LEDGER" ] && [ "$(sha256sum "$LEDGER" | cut -d' ' -f1)" = "$BEFORE" ] || fail "uninstalling touched the ledger"
[ -f "$PROFILE/AppData/Roaming/Taizhang/taizhang.log" ] || fail "uninstalling removed the log"
ls "$ROAMING/backups/"*-v3.sqlite >/dev/null 2>&1 || fail "uninstalling removed the backups"
ok "uninstalled; the ledger, its backups and its log are still there"
echo "test-installer: all passed"
