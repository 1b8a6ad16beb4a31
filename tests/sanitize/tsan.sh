#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The ThreadSanitizer job: builds the core tests that run several threads with clang and -fsanitize=thread
# (-DQSOKETI_TSAN=ON, its own build folder) and runs them. Fails on any test failure and on any TSan
# report. A canary runs first: a hand-off through ThreadHandOff must stay silent and a planted race must be
# reported, so a clean run means "no race seen", never "TSan saw nothing" (tests/sanitize/tsan_canary.cpp).
#   bash tests/sanitize/tsan.sh [source dir] [build dir]
# QSOKETI_TSAN_TESTS (space separated, as below) overrides the list of tests. CTest runs it as sanitize/tsan
# (tests/sanitize/CMakeLists.txt; on unless -DQSOKETI_TSAN_TEST=OFF), so `bash .ci/run` does.
set -euo pipefail
src=$(cd "${1:-$(dirname "${BASH_SOURCE[0]}")/../..}" && pwd)
out=${2:-$src/build-tsan}
start=$(date +%s)

# The core tests that start threads of ours (worker event loops, the epoll dispatcher on a QThread, posts
# from std::threads, the app store's thread): `executable` or `executable:function,function`. A test that
# starts a process (redis-server, nats-server, the SQL servers, sqlite3) cannot run under TSan here: its
# clone() interceptor aborts inside Qt 6.4's QProcess (forkfd), with clang 14 and 16 alike. tst_storedapps
# runs its SQLite-only functions (two of them with two workers), with QSOKETI_TEST_DB_SERVERS=0.
# tst_workers without its three "once when workers change together" functions: they count webhooks and
# events against request deadlines, which TSan's slowdown on a loaded machine can exceed (a worker that
# does not answer within the requests timeout is taken as empty, and the event goes out twice). The
# regular build runs them; their threads are the same as the functions kept here.
tests=${QSOKETI_TSAN_TESTS:-tst_workers:connectionsAreDealtInTurn,presenceMemberOnceAcrossWorkers,\
clientEventsAndExclusionAcrossWorkers,terminateUserOnEveryWorker,metricsExactUnderConcurrentLoad,\
relayedClientEventsAreNotCached,closedWatcherLeavesTheWatchList,shutdownClosesEveryWorkersClients \
tst_epolleventdispatcher \
tst_storedapps:writesThroughTheDirectoryTakeEffectAtOnce,cacheChannelsReachWorkersThatNeverMetTheApp}
executables=$(for t in $tests; do echo "${t%%:*}"; done | sort -u)

if [ ! -f "$out/build.ninja" ]; then
    # No dashboard: Qt Widgets' internals are not ours to check.
    cmake -S "$src" -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
        -DQSOKETI_TSAN=ON -DQSOKETI_BUILD_GUI=OFF >/dev/null
fi
cmake --build "$out" --parallel "$(nproc)" --target tsan_canary $executables
built=$(date +%s)

reports=$out/tsan-reports
rm -rf "$reports"
mkdir -p "$reports/canary"
symbolizer=$(command -v llvm-symbolizer || command -v llvm-symbolizer-14 || true)
# ignore_noninstrumented_modules: Debian's Qt is not built with TSan, so the memory its own code touches
# through intercepted calls (the QMetaCallEvent it allocates in invokeMethod and frees in the receiving
# thread, its QWaitCondition in QThread::wait, QtTest's watchdog) is not checked; every access made by
# our code still is, and synchronisation (mutexes, atomics, thread start) is still followed.
options="exitcode=66 halt_on_error=0 second_deadlock_stack=1 ignore_noninstrumented_modules=1"
options+=" suppressions=$src/tests/sanitize/tsan.supp"
[ -n "$symbolizer" ] && options+=" external_symbolizer_path=$symbolizer"
export QT_QPA_PLATFORM=offscreen LC_ALL=C.UTF-8 QSOKETI_TEST_DB_SERVERS=0

status=0
canary=$out/tests/sanitize/tsan_canary
if ! TSAN_OPTIONS="$options log_path=$reports/canary/handoff" "$canary" handoff; then
    echo "tsan canary: a hand-off through ThreadHandOff was reported (or failed); see $reports/canary" >&2
    status=1
fi
rc=0
TSAN_OPTIONS="$options log_path=$reports/canary/race" "$canary" race || rc=$?
if [ "$rc" != 66 ] || ! grep -qs "tsan_canary.cpp" "$reports"/canary/race.*; then
    echo "tsan canary: the planted race was not reported (exit $rc): this run could not see a race" >&2
    status=1
fi
rm -f "$reports"/canary/race.* # expected
[ -z "$(ls -A "$reports/canary")" ] && rmdir "$reports/canary"

for test in $tests; do
    executable=${test%%:*}
    functions=()
    [ "$executable" != "$test" ] && IFS=, read -r -a functions <<<"${test#*:}"
    echo "=== $test"
    rc=0
    TSAN_OPTIONS="$options log_path=$reports/$executable" "$out/tests/$executable" "${functions[@]}" || rc=$?
    if [ "$rc" != 0 ]; then
        echo "$executable failed (exit $rc; 66: TSan reported a race)" >&2
        status=1
    fi
done

if [ -n "$(ls -A "$reports")" ]; then
    echo "ThreadSanitizer reports:" >&2
    find "$reports" -type f | while read -r report; do
        echo "=== $report" >&2
        cat "$report" >&2
    done
    status=1
fi
end=$(date +%s)
count=$(find "$reports" -type f -exec grep -h "^WARNING: ThreadSanitizer" {} + 2>/dev/null | wc -l)
echo "tsan job: build $((built - start)) s, tests $((end - built)) s, $count report(s)"
exit $status
