// SPDX-License-Identifier: GPL-3.0-or-later
#include "eventloop/EpollEventDispatcher.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <ctime>

#include <QCoreApplication>
#include <QSocketNotifier>
#include <QVarLengthArray>

#include "threading/HappensBefore.h"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace qsoketi {

namespace {

constexpr int kMaxEvents = 256;
// epoll_event.data of the wake-up eventfd; socket registrations carry (generation << 32) | fd instead, and
// generations start at 1, so this value can never collide with one.
constexpr uint64_t kWakeUpTag = ~uint64_t(0);
constexpr qint64 kNsPerMs = 1000 * 1000;
constexpr qint64 kNsPerSecond = 1000 * kNsPerMs;

qint64 monotonicNowNs()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return qint64(ts.tv_sec) * kNsPerSecond + ts.tv_nsec;
}

timespec toTimespec(qint64 ns)
{
    return timespec{time_t(ns / kNsPerSecond), long(ns % kNsPerSecond)};
}

const char *typeName(int type)
{
    switch (type) {
    case QSocketNotifier::Read:
        return "Read";
    case QSocketNotifier::Write:
        return "Write";
    default:
        return "Exception";
    }
}

// Rounds a coarse timer's expiry to the nearest multiple of the largest "round" granularity that is at most
// 10 % of the interval, i.e. an error of at most +-5 %. Timers with similar intervals then expire on the same
// boundaries and share one wake-up, which is the point of Qt::CoarseTimer.
qint64 roundCoarseExpiry(qint64 nominalNs, qint64 periodNs)
{
    static constexpr qint64 granularitiesMs[] = {1000, 500, 250, 100, 50, 25, 10, 5, 2, 1};
    const qint64 maxGranularityNs = periodNs / 10;
    for (qint64 granularityMs : granularitiesMs) {
        const qint64 g = granularityMs * kNsPerMs;
        if (g <= maxGranularityNs)
            return (nominalNs + g / 2) / g * g;
    }
    return nominalNs;
}

} // namespace

uint32_t EpollEventDispatcher::FdEntry::desiredMask() const
{
    uint32_t mask = 0;
    if (notifiers[QSocketNotifier::Read])
        mask |= EPOLLIN;
    if (notifiers[QSocketNotifier::Write])
        mask |= EPOLLOUT;
    if (notifiers[QSocketNotifier::Exception])
        mask |= EPOLLPRI;
    return mask;
}

EpollEventDispatcher::EpollEventDispatcher(QObject *parent)
    : EpollEventDispatcher(Options{}, parent)
{}

EpollEventDispatcher::EpollEventDispatcher(Options options, QObject *parent)
    : QAbstractEventDispatcher(parent)
    , m_options(options)
{
    m_epollFd = epoll_create1(EPOLL_CLOEXEC);
    if (m_epollFd < 0)
        qFatal("EpollEventDispatcher: epoll_create1 failed: %s", strerror(errno));
    m_wakeFd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (m_wakeFd < 0)
        qFatal("EpollEventDispatcher: eventfd failed: %s", strerror(errno));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kWakeUpTag;
    if (epoll_ctl(m_epollFd, EPOLL_CTL_ADD, m_wakeFd, &ev) != 0)
        qFatal("EpollEventDispatcher: cannot register the wake-up eventfd: %s", strerror(errno));

    // epoll_pwait2 needs Linux >= 5.11 (and glibc >= 2.35, which Debian 12 has); probe it once.
    if (!m_options.forceMillisecondWait) {
        const timespec zero{};
        epoll_event probe{};
        m_havePwait2 = epoll_pwait2(m_epollFd, &probe, 1, &zero, nullptr) >= 0 || errno != ENOSYS;
    }
}

EpollEventDispatcher::~EpollEventDispatcher()
{
    // See wakeUp(): the last wake-up from another thread happens before this.
    HappensBefore::acquireFrom(this);
    ::close(m_wakeFd);
    ::close(m_epollFd);
}

// ---------------------------------------------------------------------------------------------------------
// Event loop iteration

bool EpollEventDispatcher::processEvents(QEventLoop::ProcessEventsFlags flags)
{
    // Same structure as QEventDispatcherUNIX::processEvents: posted events first, then (maybe) block, then
    // socket notifiers, then timers. "Can we block?" is private API (QThreadData::canWaitLocked); instead every
    // postEvent() calls wakeUp(), so anything posted after sendPostedEvents() makes the wait return at once.
    m_interrupted.store(false, std::memory_order_relaxed);
    ++m_stats.iterations;
    emit awake();
    QCoreApplication::sendPostedEvents();

    const bool includeTimers = !(flags & QEventLoop::X11ExcludeTimers);
    const bool includeNotifiers = !(flags & QEventLoop::ExcludeSocketNotifiers);
    const bool canWait = (flags & QEventLoop::WaitForMoreEvents) && !m_interrupted.load(std::memory_order_relaxed);
    if (canWait) {
        ++m_stats.blockingWaits;
        emit aboutToBlock();
    }
    if (m_interrupted.load(std::memory_order_relaxed))
        return false;

    // Before the timeout: applying a registration may find an fd epoll refuses, which must not block.
    if (includeNotifiers && !m_dirtyFds.empty())
        applyDirty();
    qint64 timeoutNs = 0;
    if (canWait && !(includeNotifiers && !m_alwaysReadyFds.empty()))
        timeoutNs = includeTimers ? nextTimerTimeoutNs(monotonicNowNs()) : -1;

    int activated = 0;
    if (includeNotifiers) {
        // On the stack: a slot may run a nested loop that calls processEvents() while we dispatch this batch.
        epoll_event events[kMaxEvents];
        const int ready = waitForEvents(events, kMaxEvents, timeoutNs);
        if (ready > 0 || !m_alwaysReadyFds.empty())
            activated += dispatchSocketEvents(events, ready);
    } else {
        // Level-triggered epoll would report the withheld sockets again at once and spin; wait on the
        // wake-up eventfd alone instead.
        activated += waitForWakeUpOnly(timeoutNs);
    }
    if (includeTimers)
        activated += activateTimers();
    return activated > 0;
}

int EpollEventDispatcher::waitForEvents(epoll_event *events, int maxEvents, qint64 timeoutNs)
{
    int ready;
    if (m_havePwait2) {
        const timespec ts = toTimespec(std::max<qint64>(timeoutNs, 0));
        ready = epoll_pwait2(m_epollFd, events, maxEvents, timeoutNs < 0 ? nullptr : &ts, nullptr);
    } else {
        // Round up: rounding down would return up to 1 ms before the timer is due and spin until it is.
        const qint64 ms = timeoutNs < 0 ? -1 : std::min<qint64>((timeoutNs + kNsPerMs - 1) / kNsPerMs, INT_MAX);
        ready = epoll_wait(m_epollFd, events, maxEvents, int(ms));
    }
    if (ready < 0) {
        if (errno != EINTR)
            qWarning("EpollEventDispatcher: epoll wait failed: %s", strerror(errno));
        return 0;
    }
    return ready;
}

int EpollEventDispatcher::waitForWakeUpOnly(qint64 timeoutNs)
{
    pollfd pfd{m_wakeFd, POLLIN, 0};
    const timespec ts = toTimespec(std::max<qint64>(timeoutNs, 0));
    const int ready = ppoll(&pfd, 1, timeoutNs < 0 ? nullptr : &ts, nullptr);
    if (ready > 0 && (pfd.revents & POLLIN)) {
        drainWakeUp();
        return 1;
    }
    return 0;
}

void EpollEventDispatcher::drainWakeUp()
{
    eventfd_t value = 0;
    while (eventfd_read(m_wakeFd, &value) < 0 && errno == EINTR) {}
    // Reset after reading (as QThreadPipe does): a wakeUp() that races in between is de-duplicated, but its
    // posted event is sent by the sendPostedEvents() that starts the next iteration, before any wait.
    m_wakeUpPending.store(false, std::memory_order_release);
    ++m_stats.wakeUps;
}

int EpollEventDispatcher::dispatchSocketEvents(const epoll_event *events, int count)
{
    // Two passes like Qt's markPendingSocketNotifiers/activateSocketNotifiers: first mark, then send. A
    // notifier disabled or deleted by an earlier SockAct of this batch loses its pending bit in
    // unregisterSocketNotifier(), so it is never delivered, and a notifier registered during the batch has no
    // pending bit and waits for the next epoll_wait.
    int activated = 0;
    // Local, not a member: a slot may run a nested loop that dispatches its own batch meanwhile.
    QVarLengthArray<int, kMaxEvents> readyFds;
    for (int i = 0; i < count; ++i) {
        const epoll_event &ev = events[i];
        if (ev.data.u64 == kWakeUpTag) {
            drainWakeUp();
            ++activated;
            continue;
        }
        const int fd = int(ev.data.u64 & 0xffffffffu);
        const uint32_t generation = uint32_t(ev.data.u64 >> 32);
        if (fd < 0 || size_t(fd) >= m_fds.size())
            continue;
        const FdEntry &entry = m_fds[size_t(fd)];
        if (entry.generation != generation || entry.registeredMask == 0 || entry.alwaysReady)
            continue; // from a registration that no longer exists (fd number reused)
        ++m_stats.readyEvents;
        if (markPending(fd, ev.events))
            readyFds.append(fd);
    }
    for (int fd : m_alwaysReadyFds) { // what poll() reports for a regular file
        if (markPending(fd, EPOLLIN | EPOLLOUT))
            readyFds.append(fd);
    }

    for (const int readyFd : readyFds) {
        const size_t fd = size_t(readyFd);
        for (int type = QSocketNotifier::Read; type <= QSocketNotifier::Exception; ++type) {
            // Index again every time: sendEvent may register new fds and grow m_fds.
            FdEntry &entry = m_fds[fd];
            const uint8_t bit = uint8_t(1u << type);
            if (!(entry.pending & bit))
                continue;
            entry.pending &= uint8_t(~bit);
            QSocketNotifier *notifier = entry.notifiers[type];
            if (!notifier)
                continue;
            QEvent event(QEvent::SockAct);
            QCoreApplication::sendEvent(notifier, &event);
            ++activated;
            ++m_stats.socketActivations;
        }
    }
    return activated;
}

bool EpollEventDispatcher::markPending(int fd, uint32_t events)
{
    // Qt's mapping (QEventDispatcherUNIX): HUP and ERR wake every notifier of the fd.
    FdEntry &entry = m_fds[size_t(fd)];
    uint8_t bits = 0;
    if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && entry.notifiers[QSocketNotifier::Read])
        bits |= 1u << QSocketNotifier::Read;
    if ((events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) && entry.notifiers[QSocketNotifier::Write])
        bits |= 1u << QSocketNotifier::Write;
    if ((events & (EPOLLPRI | EPOLLHUP | EPOLLERR)) && entry.notifiers[QSocketNotifier::Exception])
        bits |= 1u << QSocketNotifier::Exception;
    entry.pending |= bits;
    return bits != 0;
}

// ---------------------------------------------------------------------------------------------------------
// Socket notifiers

EpollEventDispatcher::FdEntry &EpollEventDispatcher::entryFor(int fd)
{
    if (size_t(fd) >= m_fds.size())
        m_fds.resize(std::max<size_t>({size_t(fd) + 1, m_fds.size() * 2, 64}));
    return m_fds[size_t(fd)];
}

void EpollEventDispatcher::registerSocketNotifier(QSocketNotifier *notifier)
{
    Q_ASSERT(notifier);
    const qintptr fd = notifier->socket();
    const int type = notifier->type();
    if (fd < 0 || fd > INT_MAX) {
        qWarning("EpollEventDispatcher: invalid socket %lld", qlonglong(fd));
        return;
    }
    FdEntry &entry = entryFor(int(fd));
    if (entry.notifiers[type] && entry.notifiers[type] != notifier)
        qWarning("QSocketNotifier: Multiple socket notifiers for same socket %d and type %s", int(fd), typeName(type));
    entry.notifiers[type] = notifier;
    markDirty(int(fd));
}

void EpollEventDispatcher::unregisterSocketNotifier(QSocketNotifier *notifier)
{
    Q_ASSERT(notifier);
    const qintptr fd = notifier->socket();
    const int type = notifier->type();
    if (fd < 0 || size_t(fd) >= m_fds.size())
        return;
    FdEntry &entry = m_fds[size_t(fd)];
    if (entry.notifiers[type] != notifier)
        return;
    entry.notifiers[type] = nullptr;
    entry.pending &= uint8_t(~(1u << type));
    if (entry.desiredMask() == 0) {
        // Qt calls this before closing the fd, so the DEL succeeds now but would fail (EBADF) if deferred;
        // and a registration that outlives its fd number can never be removed (dup'ed/forked descriptions).
        removeFromKernel(int(fd), entry);
    } else {
        markDirty(int(fd));
    }
}

void EpollEventDispatcher::markDirty(int fd)
{
    if (!m_options.deferControl) {
        applyControl(fd);
        return;
    }
    FdEntry &entry = m_fds[size_t(fd)];
    if (!entry.dirty) {
        entry.dirty = true;
        m_dirtyFds.push_back(fd);
    }
}

void EpollEventDispatcher::applyDirty()
{
    // applyControl never touches m_dirtyFds, so iterating it here is safe.
    for (int fd : m_dirtyFds) {
        m_fds[size_t(fd)].dirty = false;
        applyControl(fd);
    }
    m_dirtyFds.clear();
}

void EpollEventDispatcher::applyControl(int fd)
{
    FdEntry &entry = m_fds[size_t(fd)];
    const uint32_t desired = entry.desiredMask();
    if (desired == entry.registeredMask)
        return;
    if (desired == 0) {
        removeFromKernel(fd, entry);
        return;
    }
    if (entry.alwaysReady) {
        entry.registeredMask = desired;
        return;
    }
    if (entry.registeredMask != 0) {
        if (epollControl(EPOLL_CTL_MOD, fd, desired, entry.generation)) {
            entry.registeredMask = desired;
            return;
        }
        if (errno != ENOENT) {
            // EBADF: the fd was closed while a notifier was still enabled (epoll dropped it by itself).
            qWarning("QSocketNotifier: Invalid socket %d (%s); its notifiers will not fire", fd, strerror(errno));
            entry.registeredMask = 0;
            --m_registeredFdCount;
            return;
        }
        // ENOENT: closed and reopened behind our back; register the new file below.
        entry.registeredMask = 0;
        --m_registeredFdCount;
    }
    uint32_t generation = ++m_nextGeneration;
    if (generation == 0) // 0 is never used, so a zeroed epoll_event can never match
        generation = ++m_nextGeneration;
    if (epollControl(EPOLL_CTL_ADD, fd, desired, generation)
        || (errno == EEXIST && epollControl(EPOLL_CTL_MOD, fd, desired, generation))) {
        entry.registeredMask = desired;
        entry.generation = generation;
        ++m_registeredFdCount;
        return;
    }
    if (errno == EPERM) {
        entry.alwaysReady = true;
        entry.registeredMask = desired;
        m_alwaysReadyFds.push_back(fd);
        return;
    }
    qWarning("QSocketNotifier: Invalid socket %d (%s); its notifiers will not fire", fd, strerror(errno));
}

void EpollEventDispatcher::removeFromKernel(int fd, FdEntry &entry)
{
    if (entry.registeredMask == 0)
        return;
    if (entry.alwaysReady) {
        entry.alwaysReady = false;
        entry.registeredMask = 0;
        m_alwaysReadyFds.erase(std::find(m_alwaysReadyFds.begin(), m_alwaysReadyFds.end(), fd));
        return;
    }
    // EBADF/ENOENT mean the fd was already closed (epoll dropped it itself): nothing to undo.
    epollControl(EPOLL_CTL_DEL, fd, 0, 0);
    entry.registeredMask = 0;
    --m_registeredFdCount;
}

bool EpollEventDispatcher::epollControl(int op, int fd, uint32_t events, uint32_t generation)
{
    ++m_stats.epollCtlCalls;
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = (uint64_t(generation) << 32) | uint32_t(fd);
    return epoll_ctl(m_epollFd, op, fd, &ev) == 0;
}

// ---------------------------------------------------------------------------------------------------------
// Timers

void EpollEventDispatcher::registerTimer(int timerId, qint64 interval, Qt::TimerType timerType, QObject *object)
{
    Q_ASSERT(timerId > 0 && object);
    if (m_timers.count(timerId))
        unregisterTimer(timerId);

    Timer timer;
    timer.object = object;
    timer.intervalMs = std::max<qint64>(interval, 0);
    timer.type = timerType;
    timer.serial = ++m_nextTimerSerial;
    // Qt's rules: a coarse timer of <= 20 ms would be less than 1 ms off, so it is precise; from 20 s on, 5 %
    // is at least a second, so it is very coarse.
    Qt::TimerType effective = timerType;
    if (timer.intervalMs == 0)
        effective = Qt::PreciseTimer;
    else if (effective == Qt::CoarseTimer && timer.intervalMs >= 20000)
        effective = Qt::VeryCoarseTimer;
    else if (effective == Qt::CoarseTimer && timer.intervalMs <= 20)
        effective = Qt::PreciseTimer;
    timer.effectiveType = effective;
    if (effective == Qt::VeryCoarseTimer)
        timer.periodNs = std::max<qint64>((timer.intervalMs + 500) / 1000, 1) * kNsPerSecond;
    else
        timer.periodNs = timer.intervalMs * kNsPerMs;

    scheduleFirst(timer, monotonicNowNs());
    timer.queued = true;
    m_timerQueue.insert(TimerKey{timer.expiryNs, timer.serial, timerId});
    m_timers.emplace(timerId, timer);
}

void EpollEventDispatcher::scheduleFirst(Timer &timer, qint64 nowNs)
{
    switch (timer.effectiveType) {
    case Qt::PreciseTimer:
        timer.expiryNs = nowNs + timer.periodNs;
        break;
    case Qt::CoarseTimer:
        timer.nominalNs = nowNs + timer.periodNs;
        timer.expiryNs = roundCoarseExpiry(timer.nominalNs, timer.periodNs);
        break;
    case Qt::VeryCoarseTimer: {
        // Whole seconds, rounded to the nearest second as Qt does.
        const qint64 second = nowNs / kNsPerSecond * kNsPerSecond;
        timer.expiryNs = second + timer.periodNs + (nowNs - second > kNsPerSecond / 2 ? kNsPerSecond : 0);
        break;
    }
    }
}

void EpollEventDispatcher::scheduleNext(Timer &timer, qint64 nowNs)
{
    switch (timer.effectiveType) {
    case Qt::PreciseTimer:
        // Keep the schedule (no drift) unless we fell behind it; then do not fire a burst to catch up.
        timer.expiryNs += timer.periodNs;
        if (timer.expiryNs < nowNs)
            timer.expiryNs = nowNs + timer.periodNs;
        break;
    case Qt::CoarseTimer:
        timer.nominalNs += timer.periodNs;
        if (timer.nominalNs < nowNs)
            timer.nominalNs = nowNs + timer.periodNs;
        timer.expiryNs = roundCoarseExpiry(timer.nominalNs, timer.periodNs);
        break;
    case Qt::VeryCoarseTimer:
        timer.expiryNs += timer.periodNs;
        if (timer.expiryNs < nowNs)
            scheduleFirst(timer, nowNs);
        break;
    }
}

qint64 EpollEventDispatcher::nextTimerTimeoutNs(qint64 nowNs) const
{
    // Timers whose QTimerEvent is being delivered are out of the queue, so a nested loop inside such a slot
    // neither re-enters them nor spins on their (past) expiry.
    if (m_timerQueue.empty())
        return -1;
    return std::max<qint64>(m_timerQueue.begin()->expiryNs - nowNs, 0);
}

int EpollEventDispatcher::activateTimers()
{
    if (m_timerQueue.empty())
        return 0;
    const qint64 nowNs = monotonicNowNs();
    // Snapshot the due timers first: a timer registered or rescheduled during this pass (a 0 ms timer, one
    // restarted by a slot) waits for the next iteration, so timers cannot starve sockets and posted events.
    QVarLengthArray<std::pair<int, quint64>, 32> due;
    for (auto it = m_timerQueue.begin(); it != m_timerQueue.end() && it->expiryNs <= nowNs; ++it)
        due.append({it->id, it->serial});

    int activated = 0;
    for (const auto &[id, serial] : due) {
        auto found = m_timers.find(id);
        if (found == m_timers.end() || found->second.serial != serial || !found->second.queued)
            continue; // killed, restarted or already running by an earlier slot of this pass
        Timer &timer = found->second;
        m_timerQueue.erase(TimerKey{timer.expiryNs, timer.serial, id});
        timer.queued = false;
        scheduleNext(timer, nowNs);
        QObject *object = timer.object;

        QTimerEvent event(id);
        QCoreApplication::sendEvent(object, &event);
        ++activated;
        ++m_stats.timerActivations;

        // The slot may have killed the timer (and the id may belong to a new timer now); m_timers may have
        // rehashed, so look it up again.
        found = m_timers.find(id);
        if (found != m_timers.end() && found->second.serial == serial && !found->second.queued) {
            found->second.queued = true;
            m_timerQueue.insert(TimerKey{found->second.expiryNs, serial, id});
        }
    }
    return activated;
}

bool EpollEventDispatcher::unregisterTimer(int timerId)
{
    auto found = m_timers.find(timerId);
    if (found == m_timers.end())
        return false;
    if (found->second.queued)
        m_timerQueue.erase(TimerKey{found->second.expiryNs, found->second.serial, timerId});
    m_timers.erase(found);
    return true;
}

bool EpollEventDispatcher::unregisterTimers(QObject *object)
{
    bool any = false;
    for (auto it = m_timers.begin(); it != m_timers.end();) {
        if (it->second.object == object) {
            if (it->second.queued)
                m_timerQueue.erase(TimerKey{it->second.expiryNs, it->second.serial, it->first});
            it = m_timers.erase(it);
            any = true;
        } else {
            ++it;
        }
    }
    return any;
}

QList<QAbstractEventDispatcher::TimerInfo> EpollEventDispatcher::registeredTimers(QObject *object) const
{
    QList<TimerInfo> list;
    for (const auto &[id, timer] : m_timers) {
        if (timer.object == object)
            list.append(TimerInfo(id, int(std::min<qint64>(timer.intervalMs, INT_MAX)), timer.type));
    }
    return list;
}

int EpollEventDispatcher::remainingTime(int timerId)
{
    const auto found = m_timers.find(timerId);
    if (found == m_timers.end())
        return -1;
    const qint64 remainingNs = found->second.expiryNs - monotonicNowNs();
    return remainingNs <= 0 ? 0 : int(std::min<qint64>(remainingNs / kNsPerMs, INT_MAX));
}

// ---------------------------------------------------------------------------------------------------------
// Cross-thread

void EpollEventDispatcher::wakeUp()
{
    // Called by every postEvent(), from any thread: one eventfd write per wait is enough.
    if (!m_wakeUpPending.exchange(true, std::memory_order_acq_rel)) {
        while (eventfd_write(m_wakeFd, 1) < 0 && errno == EINTR) {}
    }
    // Qt destroys a thread's dispatcher only after no other thread can reach it any more (QThread's own
    // mutex orders the two, and TSan cannot see it): the destructor acquires this.
    HappensBefore::releaseTo(this);
}

void EpollEventDispatcher::interrupt()
{
    m_interrupted.store(true, std::memory_order_relaxed);
    wakeUp(); // releases the store above too
}

} // namespace qsoketi
