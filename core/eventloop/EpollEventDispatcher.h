// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <atomic>
#include <cstdint>
#include <set>
#include <unordered_map>
#include <vector>

#include <QAbstractEventDispatcher>

struct epoll_event;

namespace qsoketi {

// A QAbstractEventDispatcher on Linux epoll whose cost per wake-up is O(ready fds + due timers) instead of
// O(registered fds). Qt's glib and unix dispatchers poll() every socket on every wake-up, so with thousands
// of idle WebSockets each echo costs milliseconds (qt-eventloop-memory.md §1).
//
// Install it before the QCoreApplication exists (Qt takes ownership):
//     QCoreApplication::setEventDispatcher(new qsoketi::EpollEventDispatcher);
// and for a worker thread before QThread::start():
//     thread->setEventDispatcher(new qsoketi::EpollEventDispatcher);
// Never on a QGuiApplication/QApplication thread: it does not run the platform plugin's window-system
// events (xcb, offscreen), so windows are never exposed or painted (checked under Xvfb).
//
// Semantics follow QEventDispatcherUNIX (Qt 6.4): posted events are sent at the start of every
// processEvents(); socket notifiers get QEvent::SockAct through sendEvent; timers get QEvent::Timer through
// sendEvent and are not re-entered while their own slot runs a nested loop. Timer rules:
//  - PreciseTimer: fires at start + k * interval (never early); after a stall the next expiry is now + interval.
//  - CoarseTimer: <= 20 ms is treated as precise, >= 20 s as very coarse. In between (simplified from Qt's
//    rule) each expiry is rounded to the nearest multiple of a granularity g in {1,2,5,10,25,50,100,250,500,
//    1000} ms with g <= 10 % of the interval, so the error is within +-5 % and coarse timers of similar
//    intervals share wake-ups; the nominal schedule advances by exactly the interval, so the mean period is exact.
//  - VeryCoarseTimer: the interval is rounded to whole seconds (at least 1 s) and expiries fall on whole
//    seconds of the monotonic clock, as in Qt.
//  - 0 ms timers fire once per processEvents() and make it non-blocking, so posted events and sockets still
//    progress.
// ExcludeUserInputEvents is ignored, as in Qt's core dispatchers (there are no user-input events in QtCore).
// Not thread-safe except wakeUp() and interrupt(); everything else runs in the dispatcher's thread.
class EpollEventDispatcher final : public QAbstractEventDispatcher
{
    Q_OBJECT

public:
    struct Options
    {
        // Batch epoll_ctl ADD/MOD changes and apply them just before epoll_wait, so a write notifier
        // enabled and disabled within one iteration (write + flush()) costs no syscall. Removals (all
        // notifiers of an fd disabled) are always applied at once: Qt disables notifiers before it closes
        // the fd, so the DEL succeeds and no registration can outlive its fd.
        bool deferControl = true;
        // Use epoll_wait with millisecond timeouts (rounded up) even if epoll_pwait2 is available; for tests.
        bool forceMillisecondWait = false;
    };

    // Counters since construction; read them from the dispatcher's thread.
    struct Statistics
    {
        quint64 iterations = 0; // processEvents() calls
        quint64 blockingWaits = 0; // iterations that were allowed to block (aboutToBlock emitted)
        quint64 readyEvents = 0; // socket fds reported ready by epoll
        quint64 epollCtlCalls = 0;
        quint64 socketActivations = 0; // SockAct events sent
        quint64 timerActivations = 0; // QTimerEvents sent
        quint64 wakeUps = 0; // eventfd wake-ups consumed
    };

    explicit EpollEventDispatcher(QObject *parent = nullptr);
    explicit EpollEventDispatcher(Options options, QObject *parent = nullptr);
    ~EpollEventDispatcher() override;

    bool processEvents(QEventLoop::ProcessEventsFlags flags) override;

    void registerSocketNotifier(QSocketNotifier *notifier) override;
    void unregisterSocketNotifier(QSocketNotifier *notifier) override;

    using QAbstractEventDispatcher::registerTimer;
    void registerTimer(int timerId, qint64 interval, Qt::TimerType timerType, QObject *object) override;
    bool unregisterTimer(int timerId) override;
    bool unregisterTimers(QObject *object) override;
    QList<TimerInfo> registeredTimers(QObject *object) const override;
    int remainingTime(int timerId) override;

    void wakeUp() override;
    void interrupt() override;

    const Options &options() const { return m_options; }
    const Statistics &statistics() const { return m_stats; }
    // Number of fds currently in the kernel's epoll interest list (excluding the wake-up eventfd).
    int registeredSocketCount() const { return m_registeredFdCount; }
    // Fds epoll cannot watch (regular files, /dev/null) that have enabled notifiers; like poll(), the
    // dispatcher treats them as always readable and writable, and does not block while there are any.
    int alwaysReadyCount() const { return int(m_alwaysReadyFds.size()); }
    // True when timeouts have nanosecond resolution (epoll_pwait2), false when epoll_wait (ms) is used.
    bool usesNanosecondWait() const { return m_havePwait2; }

private:
    struct FdEntry
    {
        QSocketNotifier *notifiers[3] = {nullptr, nullptr, nullptr}; // indexed by QSocketNotifier::Type
        uint32_t registeredMask = 0; // events currently in the kernel (0 = not in the interest list)
        uint32_t generation = 0; // tag stored in epoll_event.data with the registration
        uint8_t pending = 0; // bit per type: activation due in the batch being dispatched
        bool dirty = false; // in m_dirtyFds
        bool alwaysReady = false; // epoll refused it (EPERM: regular file, /dev/null); in m_alwaysReadyFds
        uint32_t desiredMask() const;
    };

    struct Timer
    {
        QObject *object = nullptr;
        qint64 intervalMs = 0; // as registered (reported by registeredTimers)
        Qt::TimerType type = Qt::CoarseTimer; // as registered
        Qt::TimerType effectiveType = Qt::PreciseTimer;
        qint64 periodNs = 0; // effective period
        qint64 nominalNs = 0; // unrounded schedule (coarse timers)
        qint64 expiryNs = 0;
        quint64 serial = 0; // unique per registration; orders equal expiries by insertion
        bool queued = false; // in m_timerQueue (false while its QTimerEvent is being delivered)
    };

    struct TimerKey
    {
        qint64 expiryNs;
        quint64 serial;
        int id;
        bool operator<(const TimerKey &other) const
        {
            return expiryNs != other.expiryNs ? expiryNs < other.expiryNs : serial < other.serial;
        }
    };

    FdEntry &entryFor(int fd);
    void markDirty(int fd);
    void applyControl(int fd);
    void applyDirty();
    void removeFromKernel(int fd, FdEntry &entry);
    bool epollControl(int op, int fd, uint32_t events, uint32_t generation);
    int waitForEvents(epoll_event *events, int maxEvents, qint64 timeoutNs);
    int waitForWakeUpOnly(qint64 timeoutNs);
    void drainWakeUp();
    int dispatchSocketEvents(const epoll_event *events, int count);
    bool markPending(int fd, uint32_t events);

    void scheduleFirst(Timer &timer, qint64 nowNs);
    void scheduleNext(Timer &timer, qint64 nowNs);
    qint64 nextTimerTimeoutNs(qint64 nowNs) const; // -1: no timer
    int activateTimers();

    Options m_options;
    int m_epollFd = -1;
    int m_wakeFd = -1;
    bool m_havePwait2 = false;
    std::atomic<bool> m_wakeUpPending{false};
    std::atomic<bool> m_interrupted{false};

    std::vector<FdEntry> m_fds; // indexed by fd; never hold a reference across sendEvent (it may grow)
    std::vector<int> m_dirtyFds;
    std::vector<int> m_alwaysReadyFds;
    int m_registeredFdCount = 0;
    uint32_t m_nextGeneration = 0;

    std::unordered_map<int, Timer> m_timers;
    std::set<TimerKey> m_timerQueue;
    quint64 m_nextTimerSerial = 0;

    Statistics m_stats;
};

} // namespace qsoketi
