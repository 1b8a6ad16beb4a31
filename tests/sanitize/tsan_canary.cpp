// SPDX-License-Identifier: GPL-3.0-or-later
// tsan.sh's check that the ThreadSanitizer run can still see what it is for (built only with
// -DQSOKETI_TSAN=ON). `handoff`: memory written before a ThreadHandOff::post and read by the posted work
// on another thread: ordered by Qt's event queue, so no report (the annotations work). `race`: the same
// post, then both threads write one int with nothing between them: TSan must report it (the options and
// suppressions tsan.sh runs with hide nothing of ours). Exit 0, or TSan's exit code after a report.
#include <atomic>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <vector>

#include <QCoreApplication>
#include <QObject>

#include "EventLoopThread.h"
#include "threading/ThreadHandOff.h"

using qsoketi::EventLoopThread;
using qsoketi::ThreadHandOff;

namespace {

// Spins until the posted work says it is done; the atomic is seen by TSan, unlike Qt's semaphores.
void waitFor(const std::atomic<bool> &done)
{
    while (!done.load(std::memory_order_acquire))
        QThread::yieldCurrentThread();
}

// Written here before the post, read there after it: must stay silent.
int handOff(QObject *receiver)
{
    std::vector<int> values(4096);
    std::iota(values.begin(), values.end(), 1);
    long long sum = 0;
    std::atomic<bool> done{false};
    ThreadHandOff::post(
        receiver,
        [&] {
            sum = std::accumulate(values.begin(), values.end(), 0LL);
            values.clear();
            done.store(true, std::memory_order_release);
        },
        Qt::QueuedConnection);
    waitFor(done);
    std::printf("handoff: sum %lld\n", sum);
    return sum == 4096LL * 4097 / 2 ? 0 : 1;
}

// Both threads write `shared` after the post, unordered: a real race that must be reported.
int race(QObject *receiver)
{
    int shared = 0;
    std::atomic<bool> done{false};
    ThreadHandOff::post(
        receiver,
        [&] {
            shared = 1;
            done.store(true, std::memory_order_release);
        },
        Qt::QueuedConnection);
    shared = 2;
    waitFor(done);
    std::printf("race: shared %d\n", shared);
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const char *mode = argc > 1 ? argv[1] : "";
    EventLoopThread thread(QStringLiteral("tsan canary"));
    QObject *receiver = nullptr;
    thread.call([&receiver] { receiver = new QObject; });
    int status = 2;
    if (std::strcmp(mode, "handoff") == 0)
        status = handOff(receiver);
    else if (std::strcmp(mode, "race") == 0)
        status = race(receiver);
    else
        std::fprintf(stderr, "usage: tsan_canary handoff|race\n");
    thread.call([receiver] { delete receiver; });
    return status;
}
