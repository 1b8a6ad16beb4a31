#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The sanitizer job: builds qsoketi, the core unit tests and the fuzz targets with clang and
# AddressSanitizer + UndefinedBehaviorSanitizer (+ LeakSanitizer), in one build, then runs the core unit
# tests, a representative set of end-to-end tests against the sanitized binary (QSOKETI_SANITIZE_E2E,
# a regex of file names, overrides it) and the fuzz smoke runs. Fails on any test failure and on
# any sanitizer report, including one from a server an e2e test spawned and whose exit it never checked:
# every report is written under <build>/sanitizer-reports and that folder must stay empty.
#   bash tests/sanitize/run.sh [source dir] [build dir] [extra ctest arguments…]
# CTest runs it as sanitize/asan_ubsan (tests/sanitize/CMakeLists.txt; on unless -DQSOKETI_SANITIZER_TEST=OFF),
# so `bash .ci/run` does.
set -euo pipefail
src=$(cd "${1:-$(dirname "${BASH_SOURCE[0]}")/../..}" && pwd)
out=${2:-$src/build-asan}
shift $(($# < 2 ? $# : 2))
start=$(date +%s)

if [ ! -f "$out/build.ninja" ]; then
    # No dashboard: its tests are not run here (Qt Widgets/X11 internals are not ours to sanitise), and the
    # fuzz target compiles gui/PrometheusTextParser.cpp itself.
    cmake -S "$src" -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
        -DQSOKETI_FUZZ=ON -DQSOKETI_BUILD_GUI=OFF >/dev/null
fi
# Only what runs here: the server, the unit tests and the fuzz targets (not the benchmarks). Regenerate
# first, so tests added since the last run (globbed) are in the list.
ninja -C "$out" build.ninja >/dev/null
targets=$(ninja -C "$out" -t targets all | grep -Eo '^(qsoketi|tst_[A-Za-z0-9_]+|fuzz_[A-Za-z0-9_]+):' | tr -d : | grep -v _autogen)
cmake --build "$out" --parallel "$(nproc)" --target $targets
built=$(date +%s)

reports=$out/sanitizer-reports
rm -rf "$reports"
mkdir -p "$reports"
supp=$src/tests/sanitize
symbolizer=$(command -v llvm-symbolizer || command -v llvm-symbolizer-14 || true)
export ASAN_SYMBOLIZER_PATH=$symbolizer
# The tests that bound RSS growth (tst_httpconnection, tst_metricsendpoint: < 30 MiB) measure what ASan
# holds back too: freed memory kept to catch a use after free (default 256 MiB; 8 MiB still catches the
# usual deleteLater/dangling-pointer case) and fake stacks for detect_stack_use_after_return (+6 MiB, left
# off). With these the pipelining flood grows RSS by ~17 MiB under ASan.
export ASAN_OPTIONS="log_path=$reports/asan:detect_leaks=1:check_initialization_order=1:strict_init_order=1:quarantine_size_mb=8"
export UBSAN_OPTIONS="log_path=$reports/ubsan:print_stacktrace=1:halt_on_error=1:suppressions=$supp/ubsan.supp"
export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"

status=0
# core: every unit test; e2e: the files that cover the server's code paths (below); fuzz: the smoke runs.
# Not gui (not built), format or packaging checks (compiler independent), app/headless_build (a build of
# its own). The e2e files left out mostly wait (shutdown grace periods, 30 s idle timeouts), load
# (fanout, the flood) or test other programs (Chromium, Prometheus, Redis, TLS, the SQL servers); they
# run uninstrumented in the main build. This keeps the job to 11-15 minutes on 2 cores (docs/hardening.md).
e2e_files=${QSOKETI_SANITIZE_E2E:-connection|channels|client-events|rest|robustness|user-auth|webhooks|subscription-count|message-size|rfc6455|debug-log}
# Instrumented code runs about 3x slower: timing limits in the e2e files scale with this.
export QSOKETI_TEST_TIME_SCALE=4
# A test that fails gets one more try: the instrumented code runs 2-3x slower, which some timing checks
# (timer precision) do not allow for on a busy machine. A sanitizer report is never retried away: it
# stays in the reports folder and fails the job below.
ctest --test-dir "$out" -R "^(core/|e2e/($e2e_files|npm_ci)\$|fuzz/)" --output-on-failure --timeout 600 \
    --repeat until-pass:2 "$@" || status=$?

if [ -n "$(ls -A "$reports")" ]; then
    echo "sanitizer reports (each also failed its test, or came from a process whose exit nobody checked):" >&2
    for report in "$reports"/*; do
        echo "=== $report" >&2
        cat "$report" >&2
    done
    status=1
fi
end=$(date +%s)
echo "sanitizer job: build $((built - start)) s, tests $((end - built)) s, $(ls "$reports" | wc -l) report(s)"
exit $status
