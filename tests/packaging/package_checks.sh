#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# package_checks.sh CHECK SOURCE_DIR DEB_DIR [CPACK CPACK_CONFIG]
#   build                 cpack -G DEB into DEB_DIR (the fixture of the checks below)
#   lintian               lintian on every .deb: 0 errors and 0 warnings (info tags are printed)
#   installed_root        dpkg -x into a scratch root: both binaries run --version, the server one links
#                         no Qt Gui/Widgets/Charts, the package holds what a user needs
#   systemd_unit          systemd-analyze verify of the installed unit (ExecStart and man page inside the
#                         scratch root) and systemd-analyze security --offline=true <= 2.0
#   desktop_files         desktop-file-validate, appstreamcli validate --no-net and icon sizes, as installed
#   source_desktop_files  the same validators on the files in the source tree (no package needed)
#   alert_rules           promtool check rules and promtool test rules
set -euo pipefail
check=$1
src=$2
debs=$3

need() {
    for tool in "$@"; do
        if ! command -v "$tool" >/dev/null 2>&1; then
            if [ "${CI:-}" = true ]; then
                echo "FAIL: $tool is not installed (bash packaging/bootstrap.sh test installs it)" >&2
                exit 1
            fi
            echo "SKIP: $tool is not installed (bash packaging/bootstrap.sh test installs it)"
            exit 77
        fi
    done
}

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

extract() { # extract PACKAGE → prints the root it was unpacked into
    local deb
    deb=$(ls "$debs"/"$1"_*.deb)
    mkdir -p "$scratch/$1"
    dpkg -x "$deb" "$scratch/$1"
    echo "$scratch/$1"
}

validate_desktop() { # validate_desktop DESKTOP_FILE METAINFO_FILE
    desktop-file-validate "$1"
    echo "desktop-file-validate $(basename "$1"): ok"
    appstreamcli validate --no-net --pedantic "$2"
}

case "$check" in
build)
    need dpkg-deb dpkg-shlibdeps objcopy
    cpack=$4
    config=$5
    rm -rf "$debs"
    "$cpack" -G DEB --config "$config" -B "$debs" >"$scratch/cpack.log" 2>&1 || { cat "$scratch/cpack.log"; exit 1; }
    rm -rf "$debs/_CPack_Packages"
    ls -l "$debs"
    for name in qsoketi_ qsoketi-dbgsym_; do
        ls "$debs"/${name}*_*.*deb >/dev/null
    done
    ;;
lintian)
    need lintian
    # --fail-on error,warning: info and pedantic tags are printed, not fatal. Root CI runs are expected.
    set +e
    lintian --fail-on error,warning --info --display-info "$debs"/*.deb 2>&1 | grep -v 'running with root privileges' \
        | tee "$scratch/lintian.txt"
    rc=${PIPESTATUS[0]}
    set -e
    echo "lintian: $(grep -c '^E:' "$scratch/lintian.txt" || true) error(s), $(grep -c '^W:' "$scratch/lintian.txt" || true) warning(s), rc=$rc"
    exit "$rc"
    ;;
installed_root)
    root=$(extract qsoketi)
    # (Outputs are captured first: with pipefail, grep -q closing a pipe early would fail the producer.)
    version=$("$root/usr/bin/qsoketi" --version)
    [[ $version =~ ^qsoketi\ [0-9.]+$ ]] || { echo "FAIL: --version printed: $version" >&2; exit 1; }
    echo "$version"
    libraries=$(ldd "$root/usr/bin/qsoketi")
    if grep -E 'libQt6(Gui|Widgets|Charts)' <<<"$libraries"; then
        echo "FAIL: the server package's binary links Qt Gui/Widgets/Charts" >&2
        exit 1
    fi
    if [[ $(file "$root/usr/bin/qsoketi") == *"not stripped"* ]]; then
        echo "FAIL: /usr/bin/qsoketi is not stripped" >&2
        exit 1
    fi
    for path in lib/systemd/system/qsoketi.service etc/default/qsoketi usr/share/man/man1/qsoketi.1.gz \
        usr/share/doc/qsoketi/copyright usr/share/doc/qsoketi/changelog.gz \
        usr/share/doc/qsoketi/examples/qsoketi.json usr/share/doc/qsoketi/examples/qsoketi-alerts.yml; do
        test -f "$root/$path" || { echo "FAIL: the qsoketi package lacks /$path" >&2; exit 1; }
    done
    grep -qx '/etc/default/qsoketi' <(dpkg-deb -I "$(ls "$debs"/qsoketi_*.deb)" conffiles)
    deb_depends=$(dpkg-deb -f "$(ls "$debs"/qsoketi_*.deb)" Depends)
    if grep -qiE 'widgets|charts|qt6gui|qpa' <<<"$deb_depends"; then
        echo "FAIL: the server package depends on GUI libraries: $deb_depends" >&2
        exit 1
    fi
    # The man page renders without groff warnings.
    if command -v man >/dev/null; then
        warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$root/usr/share/man/man1/qsoketi.1.gz" 2>&1 >/dev/null)
        test -z "$warnings" || { echo "FAIL: man page warnings: $warnings" >&2; exit 1; }
    fi
    echo "qsoketi package: stripped headless binary runs, no GUI dependency, unit, conffile, man page, docs"
    if ls "$debs"/qsoketi-dashboard_*.deb >/dev/null 2>&1; then
        droot=$(extract qsoketi-dashboard)
        version=$("$droot/usr/bin/qsoketi-dashboard" --version)
        [[ $version =~ ^qsoketi\ [0-9.]+$ ]] || { echo "FAIL: dashboard --version printed: $version" >&2; exit 1; }
        [[ $(ldd "$droot/usr/bin/qsoketi-dashboard") == *libQt6Widgets* ]] || { echo "FAIL: no dashboard linked" >&2; exit 1; }
        echo "qsoketi-dashboard package: $("$droot/usr/bin/qsoketi-dashboard" --version) with the dashboard linked"
    fi
    ;;
systemd_unit)
    need systemd-analyze man
    root=$(extract qsoketi)
    # verify resolves ExecStart and Documentation= inside the root; systemd's own targets come from the host.
    cp -an /lib/systemd/system/. "$root/lib/systemd/system/" 2>/dev/null || true
    MANPATH=$root/usr/share/man systemd-analyze verify --root="$root" /lib/systemd/system/qsoketi.service
    echo "systemd-analyze verify: ok"
    systemd-analyze security --offline=true --no-pager "$root/lib/systemd/system/qsoketi.service" \
        >"$scratch/security.txt" 2>&1 || true
    grep -E '^✗' "$scratch/security.txt" || true
    line=$(grep 'Overall exposure level' "$scratch/security.txt")
    echo "$line"
    score=$(sed -E 's/.*: ([0-9.]+) .*/\1/' <<<"$line")
    awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' || { echo "FAIL: exposure $score > 2.0" >&2; exit 1; }
    grep -q '^User=\|^DynamicUser=yes' "$root/lib/systemd/system/qsoketi.service"
    grep -q '^EnvironmentFile=-/etc/default/qsoketi$' "$root/lib/systemd/system/qsoketi.service"
    ;;
desktop_files)
    need desktop-file-validate appstreamcli
    if ! ls "$debs"/qsoketi-dashboard_*.deb >/dev/null 2>&1; then
        echo "SKIP: built without the dashboard (QSOKETI_BUILD_GUI=OFF)"
        exit 77
    fi
    root=$(extract qsoketi-dashboard)
    validate_desktop "$root/usr/share/applications/io.github.qsoketi.qsoketi.desktop" \
        "$root/usr/share/metainfo/io.github.qsoketi.qsoketi.metainfo.xml"
    exec_name=$(sed -n 's/^Exec=\([^ ]*\).*/\1/p' "$root/usr/share/applications/io.github.qsoketi.qsoketi.desktop")
    test -x "$root/usr/bin/$exec_name" || { echo "FAIL: Exec=$exec_name is not in the package" >&2; exit 1; }
    for size in 16 24 32 48 64 128 256 512; do
        png=$root/usr/share/icons/hicolor/${size}x${size}/apps/qsoketi.png
        [[ $(file "$png") == *"PNG image data, $size x $size,"* ]] || { echo "FAIL: $png is not $size px" >&2; exit 1; }
    done
    test -f "$root/usr/share/icons/hicolor/scalable/apps/qsoketi.svg"
    echo "icons: scalable SVG and PNG 16-512 px in the hicolor theme"
    ;;
source_desktop_files)
    need desktop-file-validate appstreamcli
    validate_desktop "$src/resources/desktop/io.github.qsoketi.qsoketi.desktop" \
        "$src/resources/desktop/io.github.qsoketi.qsoketi.metainfo.xml"
    ;;
alert_rules)
    need promtool
    promtool check rules "$src/packaging/prometheus/qsoketi-alerts.yml"
    cd "$src/packaging/prometheus"
    promtool test rules qsoketi-alerts.test.yml
    ;;
*)
    echo "unknown check $check" >&2
    exit 2
    ;;
esac
