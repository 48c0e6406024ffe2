#!/usr/bin/env bash
# The test command (README "Run and test"): installs what the tests need where it is missing
# (Debian packages and aiosmtpd, as root), then runs `cargo test --locked` with any arguments
# given (for example a test name). Where everything is installed, plain `cargo test` works too.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

missing=()
need() { # need PACKAGE CHECK...: the package when any check fails
    local package=$1
    shift
    for check in "$@"; do
        if ! eval "$check" >/dev/null 2>&1; then
            missing+=("$package")
            return
        fi
    done
}
# Real mail servers for the mailbox tests (tests/mailbox.rs), started on 127.0.0.1 by the
# tests: Dovecot (scripts/test-imap-server.sh) and aiosmtpd (scripts/test-smtp-server.py).
need dovecot-imapd "command -v dovecot"
need openssl "command -v openssl"
# A Secret Service on a private D-Bus session bus for the mailbox's code.
need gnome-keyring "command -v gnome-keyring-daemon"
need dbus "command -v dbus-daemon"
# The real window under Xvfb with no GPU (tests/window_fallback.rs): Mesa's software Vulkan
# and OpenGL, and the X libraries winit loads.
need xvfb "command -v Xvfb"
need mesa-vulkan-drivers "test -e /usr/share/vulkan/icd.d/lvp_icd.x86_64.json"
for package in libgl1-mesa-dri libegl1 libvulkan1 libxkbcommon-x11-0 libxcursor1 libxrandr2 libxi6; do
    need "$package" "dpkg -s $package"
done
# A system Chinese font with characters the bundled (cut-down) font lacks (tests/fonts.rs),
# found through fontconfig.
need fontconfig "command -v fc-list"
need fonts-droid-fallback "test -e /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"
if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing ${missing[*]}"
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if ! python3 -c "import aiosmtpd" 2>/dev/null; then
    echo "== installing aiosmtpd (SMTP test server)"
    python3 -m pip install -q aiosmtpd
fi

cargo test --locked "$@"
