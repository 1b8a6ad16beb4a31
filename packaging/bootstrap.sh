#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# One entry point for a fresh Debian 12 machine (run as root, or with sudo available):
#   bash packaging/bootstrap.sh start [qsoketi options]   install what building and running the server needs,
#                                                         build only the qsoketi binary, start it
#   bash packaging/bootstrap.sh test [ctest options]      also install the test servers and tools, build
#                                                         everything, run every test
#   bash packaging/bootstrap.sh build                     install the `start` packages and build qsoketi only
#   bash packaging/bootstrap.sh packages                  like test, then build the Debian packages (build/packages)
# Idempotent: a second run installs nothing and rebuilds only what changed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${QSOKETI_BUILD_DIR:-$here/build}

# Building and running the server (with its dashboard).
run_packages=(
    cmake ninja-build g++ pkg-config
    qt6-base-dev qt6-base-private-dev libqt6opengl6-dev qt6-websockets-dev qt6-httpserver-dev qt6-charts-dev
    qt6-qpa-plugins libgl-dev
    prometheus-cpp-dev libhiredis-dev libnats-dev
    # app stores (SOKETI_APP_MANAGER_DRIVER=sqlite|postgres|mysql): Qt's SQL drivers
    libqt6sql6-sqlite libqt6sql6-psql libqt6sql6-mysql
)
# Everything the tests use: test servers (started by the tests themselves on 127.0.0.1), Xvfb, the style
# gate, the packaging checks (lintian, systemd-analyze, desktop/AppStream validators, man), the browser.
test_packages=(
    libqt6test6
    prometheus redis-server nats-server postgresql mariadb-server sqlite3 xvfb xauth x11-apps imagemagick fonts-dejavu-core curl
    procps openssl locales python3
    iproute2 clang-format git
    dpkg-dev file binutils lintian systemd man-db desktop-file-utils appstream chromium
    # the sanitizer job and the fuzz targets (tests/sanitize, tests/fuzz): clang, its runtimes, llvm-symbolizer
    clang libclang-rt-dev llvm
)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

install_packages() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    if [ "${with_node:-0}" = 1 ] && ! command -v npm >/dev/null 2>&1; then missing+=(nodejs npm); fi
    if [ ${#missing[@]} -gt 0 ]; then
        echo "bootstrap: installing ${missing[*]}"
        # The tests start their own redis-server, nats-server and prometheus; keep apt from starting them as daemons too.
        local policy=/usr/sbin/policy-rc.d own_policy=0
        if [ ! -e "$policy" ]; then
            printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
            as_root chmod 755 "$policy"
            own_policy=1
        fi
        as_root apt-get update -qq
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
            || { [ $own_policy = 1 ] && as_root rm -f "$policy"; exit 1; }
        if [ $own_policy = 1 ]; then as_root rm -f "$policy"; fi
    fi
}

install_test_tools() {
    with_node=1 install_packages "${run_packages[@]}" "${test_packages[@]}"
    # The metrics tests prove locale independence under a comma-decimal locale.
    if ! locale -a 2>/dev/null | grep -qi '^de_DE.utf8$'; then
        as_root localedef -i de_DE -f UTF-8 de_DE.UTF-8 || echo "bootstrap: could not generate de_DE.UTF-8 (one locale check will be skipped)"
    fi
}

# configure [again]: "again" re-runs CMake on an existing build folder, so tools installed since the last
# run (node for the e2e tests, promtool, …) are found and their tests registered.
configure() {
    if [ ! -f "$build_dir/build.ninja" ] || [ "${1:-}" = again ]; then
        cmake -S "$here" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo ${QSOKETI_CMAKE_ARGS:-} >/dev/null
    fi
}

cmd=${1:-start}
[ $# -gt 0 ] && shift
case "$cmd" in
    start)
        install_packages "${run_packages[@]}"
        configure
        cmake --build "$build_dir" --parallel "$(nproc)" --target qsoketi
        exec "$build_dir/app/qsoketi" start "$@"
        ;;
    build)
        install_packages "${run_packages[@]}"
        configure
        cmake --build "$build_dir" --parallel "$(nproc)" --target qsoketi
        ;;
    test)
        install_test_tools
        configure again
        cmake --build "$build_dir" --parallel "$(nproc)"
        cd "$build_dir"
        exec ctest --output-on-failure --timeout 600 "$@"
        ;;
    packages)
        install_test_tools
        configure again
        cmake --build "$build_dir" --parallel "$(nproc)"
        cd "$build_dir"
        exec ctest --output-on-failure -L packaging "$@"
        ;;
    *)
        echo "usage: bash packaging/bootstrap.sh start|build|test|packages" >&2
        exit 2
        ;;
esac
