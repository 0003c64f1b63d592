#!/bin/sh
# Installs the Debian packages wasmbox needs to build and test; does nothing
# when every one is already installed.
set -eu
PKGS="pkg-config libseccomp-dev libcap-dev libunwind-dev libzstd-dev libxxhash-dev
libcmocka-dev wabt clang lld llvm wasi-libc libclang-rt-14-dev-wasm32 nodejs man-db"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing:$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
