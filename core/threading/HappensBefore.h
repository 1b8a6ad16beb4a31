// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// ThreadSanitizer's view of the ordering that Qt's event queue makes. Debian's libQt6Core is not built
// with -fsanitize=thread and its QMutex waits on a futex directly, so TSan never sees the lock that
// QCoreApplication::postEvent takes and the receiving thread takes again before it runs the event: every
// hand-off through the queue looks like a race. Marking the post as a release and the start of the
// posted work as an acquire on the same address restores that edge, and only that edge: two threads
// touching shared state without a queue, a mutex or an atomic between them are still reported.
// Built without TSan both calls are empty inline functions: release builds run the same code.

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define QSOKETI_TSAN_ACTIVE 1
#endif
#endif
#if defined(__SANITIZE_THREAD__) && !defined(QSOKETI_TSAN_ACTIVE)
#define QSOKETI_TSAN_ACTIVE 1
#endif

#ifdef QSOKETI_TSAN_ACTIVE
extern "C" {
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
}
#endif

namespace qsoketi {

class HappensBefore final
{
public:
    HappensBefore() = delete;

    // Everything this thread did so far happens before what a later acquireFrom(sync) is followed by.
    static void releaseTo(const void *sync)
    {
#ifdef QSOKETI_TSAN_ACTIVE
        __tsan_release(const_cast<void *>(sync));
#else
        (void)sync;
#endif
    }

    // What this thread does next happens after every releaseTo(sync) made so far.
    static void acquireFrom(const void *sync)
    {
#ifdef QSOKETI_TSAN_ACTIVE
        __tsan_acquire(const_cast<void *>(sync));
#else
        (void)sync;
#endif
    }
};

} // namespace qsoketi
