#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# One entry point for a fresh Debian 12 machine (run as root, or with sudo available):
#   bash packaging/bootstrap.sh start [qsoketi options]   install what is missing, build, start the server
#   bash packaging/bootstrap.sh test                      install what is missing, build, run every test
#   bash packaging/bootstrap.sh build                     install what is missing and build only
# Idempotent: a second run installs nothing and rebuilds only what changed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${QSOKETI_BUILD_DIR:-$here/build}

packages=(
    cmake ninja-build g++ pkg-config
    qt6-base-dev qt6-base-private-dev libqt6opengl6-dev qt6-websockets-dev qt6-httpserver-dev qt6-charts-dev libqt6test6
    qt6-qpa-plugins libgl-dev
    prometheus-cpp-dev libhiredis-dev
    # app stores (SOKETI_APP_MANAGER_DRIVER=sqlite|postgres|mysql): Qt's SQL drivers
    libqt6sql6-sqlite libqt6sql6-psql libqt6sql6-mysql
    # test-time servers and tools
    prometheus redis-server postgresql mariadb-server sqlite3 xvfb xauth x11-apps imagemagick fonts-dejavu-core curl procps openssl locales python3 iproute2 clang-format git
)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

install_packages() {
    local missing=()
    for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    if ! command -v npm >/dev/null 2>&1; then missing+=(nodejs npm); fi
    if [ ${#missing[@]} -gt 0 ]; then
        echo "bootstrap: installing ${missing[*]}"
        as_root apt-get update -qq
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    # The metrics tests prove locale independence under a comma-decimal locale.
    if ! locale -a 2>/dev/null | grep -qi '^de_DE.utf8$'; then
        as_root localedef -i de_DE -f UTF-8 de_DE.UTF-8 || echo "bootstrap: could not generate de_DE.UTF-8 (one locale check will be skipped)"
    fi
}

build() {
    if [ ! -f "$build_dir/build.ninja" ]; then
        cmake -S "$here" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo ${QSOKETI_CMAKE_ARGS:-}
    fi
    cmake --build "$build_dir" --parallel "$(nproc)"
}

cmd=${1:-start}
[ $# -gt 0 ] && shift
case "$cmd" in
    start)
        install_packages
        build
        exec "$build_dir/app/qsoketi" start "$@"
        ;;
    test)
        install_packages
        build
        cd "$build_dir"
        exec ctest --output-on-failure --timeout 600 "$@"
        ;;
    build)
        install_packages
        build
        ;;
    *)
        echo "usage: bash packaging/bootstrap.sh start|test|build" >&2
        exit 2
        ;;
esac
