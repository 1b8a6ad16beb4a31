// SPDX-License-Identifier: GPL-3.0-or-later
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <QAbstractEventDispatcher>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QPointer>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSocketNotifier>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryFile>
#include <QTest>
#include <QThread>
#include <QTimer>
#include <QWebSocket>
#include <QWebSocketServer>

#include "eventloop/EpollEventDispatcher.h"
#include "threading/ThreadHandOff.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace qsoketi;
using namespace std::chrono_literals;

namespace {

EpollEventDispatcher *mainDispatcher()
{
    return qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance());
}

int countOpenFds()
{
    int count = 0;
    for ([[maybe_unused]] const auto &entry : std::filesystem::directory_iterator("/proc/self/fd"))
        ++count;
    return count;
}

// Registrations in the kernel interest list of every epoll fd of the process (from /proc/self/fdinfo).
std::vector<int> epollInterestCounts()
{
    std::vector<int> counts;
    for (const auto &entry : std::filesystem::directory_iterator("/proc/self/fd")) {
        std::error_code error;
        if (std::filesystem::read_symlink(entry.path(), error).string() != "anon_inode:[eventpoll]")
            continue;
        std::ifstream info("/proc/self/fdinfo/" + entry.path().filename().string());
        int tfd = 0;
        for (std::string line; std::getline(info, line);)
            tfd += line.rfind("tfd:", 0) == 0 ? 1 : 0;
        counts.push_back(tfd);
    }
    return counts;
}

bool isReadable(qintptr fd, int timeoutMs)
{
    pollfd pfd{int(fd), POLLIN, 0};
    return ::poll(&pfd, 1, timeoutMs) == 1 && (pfd.revents & POLLIN);
}

// A connected client/server QTcpSocket pair over 127.0.0.1.
struct TcpPair
{
    QTcpServer server;
    std::unique_ptr<QTcpSocket> client;
    QTcpSocket *accepted = nullptr; // child of server

    bool open()
    {
        if (!server.listen(QHostAddress::LocalHost, 0))
            return false;
        client = std::make_unique<QTcpSocket>();
        client->connectToHost(QHostAddress::LocalHost, server.serverPort());
        if (!QTest::qWaitFor([&] { return server.hasPendingConnections(); }, 5000))
            return false;
        accepted = server.nextPendingConnection();
        return QTest::qWaitFor([&] { return client->state() == QAbstractSocket::ConnectedState; }, 5000);
    }
};

struct SocketPair
{
    int fds[2] = {-1, -1};
    SocketPair() { ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds); }
    ~SocketPair()
    {
        for (int fd : fds) {
            if (fd >= 0)
                ::close(fd);
        }
    }
    void closeEnd(int i)
    {
        ::close(fds[i]);
        fds[i] = -1;
    }
};

std::vector<qint64> collectTicks(QTimer &timer, int count, int guardMs)
{
    std::vector<qint64> ticks;
    QElapsedTimer clock;
    QEventLoop loop;
    QObject::connect(&timer, &QTimer::timeout, &loop, [&] {
        ticks.push_back(clock.nsecsElapsed());
        if (int(ticks.size()) == count)
            loop.quit();
    });
    QTimer::singleShot(guardMs, &loop, &QEventLoop::quit);
    clock.start();
    timer.start();
    loop.exec();
    timer.stop();
    return ticks;
}

// Mean period measured from the timer's start (tick k is due at (k + 1) * interval): unlike last-minus-first,
// a late first tick cannot pull it below the interval.
double meanIntervalMs(const std::vector<qint64> &ticks)
{
    return double(ticks.back()) / double(ticks.size()) / 1e6;
}

} // namespace

class TestEpollEventDispatcher final : public QObject
{
    Q_OBJECT

private slots:
    void installedBeforeApplication()
    {
        QVERIFY(mainDispatcher() != nullptr);
        QCOMPARE(QCoreApplication::instance()->thread()->eventDispatcher(), mainDispatcher());
        qInfo("timeouts via %s", mainDispatcher()->usesNanosecondWait() ? "epoll_pwait2 (ns)" : "epoll_wait (ms)");
    }

    void awakeAndAboutToBlock()
    {
        EpollEventDispatcher *dispatcher = mainDispatcher();
        QSignalSpy awake(dispatcher, &QAbstractEventDispatcher::awake);
        QSignalSpy aboutToBlock(dispatcher, &QAbstractEventDispatcher::aboutToBlock);
        dispatcher->processEvents(QEventLoop::AllEvents);
        QCOMPARE(awake.count(), 1);
        QCOMPARE(aboutToBlock.count(), 0); // not allowed to block, so it does not announce it

        bool fired = false;
        QTimer::singleShot(10ms, this, [&] { fired = true; });
        QElapsedTimer clock;
        clock.start();
        while (!fired && clock.elapsed() < 2000)
            dispatcher->processEvents(QEventLoop::WaitForMoreEvents);
        QVERIFY(fired);
        QVERIFY(aboutToBlock.count() >= 1);
        QVERIFY(awake.count() >= 2);
    }

    void preciseTimerMeanInterval()
    {
        QTimer timer;
        timer.setTimerType(Qt::PreciseTimer);
        timer.setInterval(10ms);
        const quint64 iterationsBefore = mainDispatcher()->statistics().iterations;
        const std::vector<qint64> ticks = collectTicks(timer, 30, 5000);
        const quint64 iterations = mainDispatcher()->statistics().iterations - iterationsBefore;
        QCOMPARE(ticks.size(), size_t(30));
        for (size_t k = 0; k < ticks.size(); ++k) // never early: tick k is due at start + (k + 1) * 10 ms
            QVERIFY2(ticks[k] >= qint64(k + 1) * 10'000'000, qPrintable(QString::number(ticks[k])));
        const double mean = meanIntervalMs(ticks);
        qInfo("precise 10 ms: mean %.3f ms over %zu ticks, %llu loop iterations", mean, ticks.size(), iterations);
        QVERIFY2(mean >= 10.0 && mean <= 12.0, qPrintable(QString::number(mean)));
        QVERIFY2(iterations < 200, qPrintable(QString::number(iterations))); // blocks between ticks, no spinning
    }

    void millisecondWaitFallbackDoesNotSpin()
    {
        // epoll_wait takes milliseconds: the timeout must be rounded up, not down, or the loop spins before
        // every timer. Run a precise timer in a worker whose dispatcher is forced onto epoll_wait.
        EpollEventDispatcher::Options options;
        options.forceMillisecondWait = true;
        QThread thread;
        thread.setEventDispatcher(new EpollEventDispatcher(options));
        std::vector<qint64> ticks;
        quint64 iterations = 0;
        bool nanosecond = true;
        QObject::connect(&thread, &QThread::started, [&] {
            auto *dispatcher = qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance());
            nanosecond = dispatcher->usesNanosecondWait();
            QTimer timer;
            timer.setTimerType(Qt::PreciseTimer);
            timer.setInterval(7ms);
            const quint64 before = dispatcher->statistics().iterations;
            ticks = collectTicks(timer, 20, 5000);
            iterations = dispatcher->statistics().iterations - before;
            QThread::currentThread()->quit();
        });
        thread.start();
        QVERIFY(thread.wait(10000));
        QVERIFY(!nanosecond);
        QCOMPARE(ticks.size(), size_t(20));
        for (size_t k = 0; k < ticks.size(); ++k)
            QVERIFY(ticks[k] >= qint64(k + 1) * 7'000'000);
        const double mean = meanIntervalMs(ticks);
        qInfo("epoll_wait fallback, precise 7 ms: mean %.3f ms, %llu iterations", mean, iterations);
        QVERIFY2(mean >= 7.0 && mean <= 9.0, qPrintable(QString::number(mean)));
        QVERIFY2(iterations < 150, qPrintable(QString::number(iterations)));
    }

    void coarseTimer()
    {
        QTimer timer; // CoarseTimer is the default
        QCOMPARE(timer.timerType(), Qt::CoarseTimer);
        timer.setInterval(100ms);
        const std::vector<qint64> ticks = collectTicks(timer, 8, 5000);
        QCOMPARE(ticks.size(), size_t(8));
        for (size_t k = 0; k < ticks.size(); ++k) // at most 5 % early
            QVERIFY2(ticks[k] >= qint64(k + 1) * 95'000'000, qPrintable(QString::number(ticks[k])));
        const double mean = meanIntervalMs(ticks);
        qInfo("coarse 100 ms: mean %.3f ms", mean);
        QVERIFY2(mean >= 95.0 && mean <= 106.0, qPrintable(QString::number(mean)));
    }

    void coarseTimerUpTo20msIsPrecise()
    {
        QTimer timer;
        timer.setInterval(15ms);
        timer.start();
        const QList<QAbstractEventDispatcher::TimerInfo> infos = mainDispatcher()->registeredTimers(&timer);
        QCOMPARE(infos.size(), 1);
        QCOMPARE(infos.first().interval, 15);
        QCOMPARE(infos.first().timerType, Qt::CoarseTimer); // reported as registered
        timer.stop();
        const std::vector<qint64> ticks = collectTicks(timer, 12, 5000);
        QCOMPARE(ticks.size(), size_t(12));
        for (size_t k = 0; k < ticks.size(); ++k) // precise: never early at all
            QVERIFY2(ticks[k] >= qint64(k + 1) * 15'000'000, qPrintable(QString::number(ticks[k])));
        const double mean = meanIntervalMs(ticks);
        qInfo("coarse 15 ms: mean %.3f ms", mean);
        QVERIFY2(mean >= 15.0 && mean <= 17.0, qPrintable(QString::number(mean)));
    }

    void veryCoarseTimer()
    {
        QTimer timer;
        timer.setTimerType(Qt::VeryCoarseTimer);
        timer.setInterval(1400ms);
        timer.start();
        const QList<QAbstractEventDispatcher::TimerInfo> infos = mainDispatcher()->registeredTimers(&timer);
        QCOMPARE(infos.size(), 1);
        QCOMPARE(infos.first().interval, 1400);
        QCOMPARE(infos.first().timerType, Qt::VeryCoarseTimer);
        QVERIFY(timer.remainingTime() <= 1500); // 1400 ms rounds to 1 s, on a whole second
        timer.stop();
        const std::vector<qint64> ticks = collectTicks(timer, 2, 5000);
        QCOMPARE(ticks.size(), size_t(2));
        qInfo("very coarse 1400 ms: first tick %.0f ms, then %.0f ms", ticks[0] / 1e6, (ticks[1] - ticks[0]) / 1e6);
        QVERIFY(ticks[0] >= 500'000'000 && ticks[0] <= 1'700'000'000);
        const qint64 interval = ticks[1] - ticks[0];
        QVERIFY2(interval >= 900'000'000 && interval <= 1'250'000'000, qPrintable(QString::number(interval)));
    }

    void coarseFrom20sIsVeryCoarse()
    {
        QTimer timer;
        timer.setInterval(25000ms);
        timer.start();
        const int remaining = timer.remainingTime();
        QVERIFY2(remaining >= 24400 && remaining <= 25500, qPrintable(QString::number(remaining)));
        QCOMPARE(mainDispatcher()->registeredTimers(&timer).first().timerType, Qt::CoarseTimer);
    }

    void remainingTime()
    {
        QTimer coarse;
        coarse.setInterval(1000ms);
        coarse.start();
        const int coarseRemaining = coarse.remainingTime();
        QVERIFY2(coarseRemaining >= 940 && coarseRemaining <= 1050, qPrintable(QString::number(coarseRemaining)));

        QTimer precise;
        precise.setTimerType(Qt::PreciseTimer);
        precise.setInterval(1000ms);
        precise.start();
        const int preciseRemaining = precise.remainingTime();
        QVERIFY2(preciseRemaining >= 980 && preciseRemaining <= 1000, qPrintable(QString::number(preciseRemaining)));
        QTest::qWait(100);
        QVERIFY(precise.remainingTime() <= 900);

        QTimer zero;
        zero.setInterval(0);
        zero.start();
        QCOMPARE(zero.remainingTime(), 0);

        const int id = precise.timerId();
        precise.stop();
        QCOMPARE(precise.remainingTime(), -1);
        QCOMPARE(mainDispatcher()->remainingTime(id), -1);
        QCOMPARE(mainDispatcher()->remainingTime(987654), -1);
    }

    void zeroTimerDoesNotStarvePostedEventsOrSockets()
    {
        TcpPair pair;
        QVERIFY(pair.open());
        int roundTrips = 0;
        connect(pair.accepted, &QIODevice::readyRead, this, [&] { pair.accepted->write(pair.accepted->readAll()); });
        connect(pair.client.get(), &QIODevice::readyRead, this, [&] {
            pair.client->readAll();
            ++roundTrips;
            pair.client->write("p");
        });

        QObject receiver;
        int posted = 0;
        std::function<void()> repost = [&] {
            ++posted;
            QMetaObject::invokeMethod(&receiver, repost, Qt::QueuedConnection);
        };

        int zeroFires = 0;
        QTimer zero;
        zero.setInterval(0);
        connect(&zero, &QTimer::timeout, this, [&] { ++zeroFires; });

        QEventLoop loop;
        QTimer::singleShot(200ms, &loop, &QEventLoop::quit);
        zero.start();
        QMetaObject::invokeMethod(&receiver, repost, Qt::QueuedConnection);
        pair.client->write("p");
        loop.exec();
        zero.stop();
        receiver.disconnect();
        qInfo("in 200 ms: %d zero-timer fires, %d posted events, %d socket round trips", zeroFires, posted, roundTrips);
        QVERIFY(zeroFires > 100);
        QVERIFY(posted > 100);
        QVERIFY(roundTrips > 20);
        QCoreApplication::removePostedEvents(&receiver);
    }

    void nestedLoopDefersDeleteLater()
    {
        QPointer<QObject> victim = new QObject;
        bool aliveAfterNested = false;
        bool nestedRan = false;
        QEventLoop outer;
        QTimer::singleShot(0ms, this, [&] {
            victim->deleteLater();
            QEventLoop nested;
            QTimer::singleShot(50ms, &nested, [&] {
                nestedRan = true;
                nested.quit();
            });
            nested.exec();
            aliveAfterNested = !victim.isNull();
            QTimer::singleShot(20ms, &outer, &QEventLoop::quit);
        });
        QTimer::singleShot(3000ms, &outer, &QEventLoop::quit);
        outer.exec();
        QVERIFY(nestedRan);
        QVERIFY(aliveAfterNested); // not deleted by the nested loop...
        QVERIFY(victim.isNull()); // ...but by the outer one after the slot returned
    }

    void timerNotReenteredDuringNestedLoop()
    {
        QTimer timer;
        timer.setTimerType(Qt::PreciseTimer);
        timer.setInterval(5ms);
        int calls = 0;
        int depth = 0;
        int maxDepth = 0;
        int callsDuringNested = -1;
        quint64 nestedIterations = 0;
        QEventLoop outer;
        connect(&timer, &QTimer::timeout, this, [&] {
            ++calls;
            maxDepth = std::max(maxDepth, ++depth);
            if (calls == 1) {
                const int before = calls;
                const quint64 iterationsBefore = mainDispatcher()->statistics().iterations;
                QEventLoop nested;
                QTimer::singleShot(60ms, &nested, &QEventLoop::quit); // other timers still fire
                nested.exec();
                callsDuringNested = calls - before;
                nestedIterations = mainDispatcher()->statistics().iterations - iterationsBefore;
            }
            --depth;
            if (calls == 3)
                outer.quit();
        });
        QTimer::singleShot(3000ms, &outer, &QEventLoop::quit);
        timer.start();
        outer.exec();
        QCOMPARE(calls, 3);
        QCOMPARE(maxDepth, 1);
        QCOMPARE(callsDuringNested, 0);
        // The overdue, running timer must not make the nested loop spin with a zero timeout.
        QVERIFY2(nestedIterations < 50, qPrintable(QString::number(nestedIterations)));
    }

    void excludeSocketNotifiersWithholdsReadyRead()
    {
        TcpPair pair;
        QVERIFY(pair.open());
        QSignalSpy readyRead(pair.accepted, &QIODevice::readyRead);
        pair.client->write("x");
        QVERIFY(pair.client->flush());
        QVERIFY(isReadable(pair.accepted->socketDescriptor(), 2000));
        for (int i = 0; i < 50; ++i)
            QCoreApplication::processEvents(QEventLoop::ExcludeSocketNotifiers);
        QCOMPARE(readyRead.count(), 0);
        QTRY_COMPARE(readyRead.count(), 1);
        QCOMPARE(pair.accepted->readAll(), QByteArray("x"));
    }

    void waitForMoreEventsExcludingSocketsBlocksOnWakeUpOnly()
    {
        TcpPair pair;
        QVERIFY(pair.open());
        QTest::qWait(20); // let the connection's own posted events and notifications settle
        QSignalSpy readyRead(pair.accepted, &QIODevice::readyRead);
        pair.client->write("x");
        QVERIFY(pair.client->flush());
        QVERIFY(isReadable(pair.accepted->socketDescriptor(), 2000));

        QObject receiver;
        bool posted = false;
        QTimer guard; // if the cross-thread wake-up were lost, this ends the wait (and the elapsed check fails)
        guard.setSingleShot(true);
        guard.start(3000ms);
        std::thread poster([&] {
            std::this_thread::sleep_for(200ms);
            ThreadHandOff::post(
                &receiver, [&] { posted = true; }, Qt::QueuedConnection);
        });
        QElapsedTimer clock;
        clock.start();
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents | QEventLoop::ExcludeSocketNotifiers);
        const qint64 elapsed = clock.elapsed();
        poster.join();
        guard.stop();
        qInfo("blocked %lld ms while the socket was readable", elapsed);
        QVERIFY2(elapsed >= 150 && elapsed < 2500, qPrintable(QString::number(elapsed)));
        QCOMPARE(readyRead.count(), 0);
        QTRY_VERIFY(posted);
        QTRY_COMPARE(readyRead.count(), 1);
    }

    void interruptFromAnotherThread()
    {
        EpollEventDispatcher *dispatcher = mainDispatcher();
        QTimer guard; // if interrupt() did not wake the wait, this would, after 3 s
        guard.setSingleShot(true);
        guard.start(3000ms);
        std::atomic<bool> interrupted{false};
        std::thread interrupter([&] {
            std::this_thread::sleep_for(100ms);
            interrupted = true;
            dispatcher->interrupt();
        });
        QElapsedTimer clock;
        clock.start();
        // Earlier tests may have left a wake-up pending, which ends the first wait at once.
        while (!interrupted && clock.elapsed() < 3000)
            dispatcher->processEvents(QEventLoop::WaitForMoreEvents);
        const qint64 elapsed = clock.elapsed();
        interrupter.join();
        QVERIFY2(elapsed >= 80 && elapsed < 2500, qPrintable(QString::number(elapsed)));
    }

    void crossThreadQueuedInvocations()
    {
        constexpr int total = 20000;
        QObject receiver;
        int received = 0;
        bool inOrder = true;
        QEventLoop loop;
        QTimer::singleShot(10000ms, &loop, &QEventLoop::quit);
        std::thread sender([&] {
            for (int i = 0; i < total; ++i) {
                ThreadHandOff::post(
                    &receiver,
                    [&, i] {
                        inOrder = inOrder && received == i;
                        if (++received == total)
                            loop.quit();
                    },
                    Qt::QueuedConnection);
            }
        });
        QElapsedTimer clock;
        clock.start();
        loop.exec();
        sender.join();
        qInfo("%d cross-thread invocations in %lld ms", received, clock.elapsed());
        QCOMPARE(received, total);
        QVERIFY(inOrder);
    }

    void workerThreadWithOwnDispatcher()
    {
        QThread thread;
        thread.setEventDispatcher(new EpollEventDispatcher);
        QVERIFY(qobject_cast<EpollEventDispatcher *>(thread.eventDispatcher()));
        std::atomic<int> ticks{0};
        std::atomic<bool> wrongThread{false};
        std::atomic<bool> ourDispatcher{false};
        auto *timer = new QTimer;
        timer->setInterval(5ms);
        timer->moveToThread(&thread);
        connect(timer, &QTimer::timeout, timer, [&, timer] {
            wrongThread = wrongThread || QThread::currentThread() != &thread;
            ourDispatcher = qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance()) != nullptr;
            if (++ticks == 10) {
                timer->stop();
                timer->deleteLater();
            }
        });
        thread.start();
        ThreadHandOff::post(
            timer, [timer] { timer->start(); }, Qt::QueuedConnection);
        QTRY_COMPARE(ticks.load(), 10);
        QVERIFY(!wrongThread);
        QVERIFY(ourDispatcher);
        QTest::qWait(50); // the worker is now blocked in epoll_wait with nothing to do
        QElapsedTimer clock;
        clock.start();
        thread.quit(); // must wake it (interrupt() from another thread)
        QVERIFY(thread.wait(2000));
        QVERIFY(clock.elapsed() < 1000);
    }

    void runningTimerSurvivesMoveToThread()
    {
        QThread thread;
        thread.setEventDispatcher(new EpollEventDispatcher);
        thread.start();
        auto *timer = new QTimer;
        timer->setTimerType(Qt::PreciseTimer);
        timer->start(10ms);
        QCOMPARE(mainDispatcher()->registeredTimers(timer).size(), 1);
        std::atomic<int> workerTicks{0};
        std::atomic<int> otherTicks{0};
        connect(timer, &QTimer::timeout, timer, [&] {
            if (QThread::currentThread() == &thread)
                ++workerTicks;
            else
                ++otherTicks;
        });
        timer->moveToThread(&thread);
        QCOMPARE(mainDispatcher()->registeredTimers(timer).size(), 0);
        QTRY_VERIFY(workerTicks.load() >= 3);
        QVERIFY(timer->isActive());
        QList<QAbstractEventDispatcher::TimerInfo> inWorker;
        ThreadHandOff::call(timer, [&] { inWorker = QAbstractEventDispatcher::instance()->registeredTimers(timer); });
        QCOMPARE(inWorker.size(), 1);
        QCOMPARE(inWorker.first().interval, 10);
        QCOMPARE(inWorker.first().timerType, Qt::PreciseTimer);
        QCOMPARE(otherTicks.load(), 0);
        timer->deleteLater();
        thread.quit();
        QVERIFY(thread.wait(2000));
    }

    void notifierDeletedOrDisabledDuringDispatch()
    {
        // Two fds readable in the same epoll batch; whichever notifier fires first deletes the other and
        // puts a new notifier on its fd. The deleted one must not be delivered (no use after free), and the
        // new one must wait for a later epoll_wait rather than receive the stale batch entry.
        SocketPair a;
        SocketPair b;
        QVERIFY(a.fds[0] >= 0 && b.fds[0] >= 0);
        EpollEventDispatcher *dispatcher = mainDispatcher();
        QSocketNotifier *notifiers[2] = {
            new QSocketNotifier(a.fds[0], QSocketNotifier::Read), new QSocketNotifier(b.fds[0], QSocketNotifier::Read)};
        std::unique_ptr<QSocketNotifier> replacement;
        int firstFired = -1;
        int firings = 0;
        quint64 firstIteration = 0;
        quint64 replacementIteration = 0;
        for (int i = 0; i < 2; ++i) {
            connect(notifiers[i], &QSocketNotifier::activated, this, [&, i] {
                ++firings;
                if (firstFired >= 0)
                    return;
                firstFired = i;
                firstIteration = dispatcher->statistics().iterations;
                const int other = 1 - i;
                const int otherFd = int(notifiers[other]->socket());
                delete notifiers[other];
                notifiers[other] = nullptr;
                replacement = std::make_unique<QSocketNotifier>(otherFd, QSocketNotifier::Read);
                connect(replacement.get(), &QSocketNotifier::activated, this, [&] {
                    replacementIteration = dispatcher->statistics().iterations;
                    replacement->setEnabled(false);
                });
                notifiers[i]->setEnabled(false);
            });
        }
        QCoreApplication::processEvents(); // apply the deferred registrations
        QVERIFY(::write(a.fds[1], "a", 1) == 1);
        QVERIFY(::write(b.fds[1], "b", 1) == 1);
        QTRY_VERIFY(replacementIteration != 0);
        QCOMPARE(firings, 1);
        QVERIFY(firstFired >= 0);
        QVERIFY(replacementIteration > firstIteration);
        delete notifiers[0];
        delete notifiers[1];

        // Read and write notifiers on one fd, both due in one batch: the read slot disables the write
        // notifier, which must then not be delivered.
        SocketPair c;
        QSocketNotifier readNotifier(c.fds[0], QSocketNotifier::Read);
        QSocketNotifier writeNotifier(c.fds[0], QSocketNotifier::Write);
        writeNotifier.setEnabled(false);
        int writeFired = 0;
        int readFired = 0;
        connect(&writeNotifier, &QSocketNotifier::activated, this, [&] { ++writeFired; });
        connect(&readNotifier, &QSocketNotifier::activated, this, [&] {
            ++readFired;
            readNotifier.setEnabled(false);
            writeNotifier.setEnabled(false);
        });
        QVERIFY(::write(c.fds[1], "c", 1) == 1);
        writeNotifier.setEnabled(true); // the fd is writable, so both are ready in the next epoll_wait
        QTRY_COMPARE(readFired, 1);
        QTest::qWait(20);
        QCOMPARE(writeFired, 0);
    }

    void hangUpAndErrorWakeNotifiers()
    {
        // Peer closed: EPOLLHUP reaches the read notifier.
        {
            SocketPair pair;
            QSocketNotifier notifier(pair.fds[0], QSocketNotifier::Read);
            int activated = 0;
            connect(&notifier, &QSocketNotifier::activated, this, [&] { ++activated; });
            QCoreApplication::processEvents();
            QCOMPARE(activated, 0);
            pair.closeEnd(1);
            QTRY_VERIFY(activated >= 1);
            notifier.setEnabled(false);
        }
        // A pipe whose reader went away: EPOLLERR reaches a write notifier on a full pipe.
        {
            int fds[2];
            QCOMPARE(::pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
            char block[4096] = {};
            while (::write(fds[1], block, sizeof block) > 0) {}
            QSocketNotifier notifier(fds[1], QSocketNotifier::Write);
            int activated = 0;
            connect(&notifier, &QSocketNotifier::activated, this, [&] { ++activated; });
            QTest::qWait(20);
            QCOMPARE(activated, 0); // full: not writable
            ::close(fds[0]);
            QTRY_VERIFY(activated >= 1);
            notifier.setEnabled(false);
            ::close(fds[1]);
        }
        // Connection refused: QAbstractSocket learns it through the write notifier (EPOLLERR | EPOLLHUP).
        {
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
            const quint16 port = probe.serverPort();
            probe.close();
            QTcpSocket socket;
            QSignalSpy errors(&socket, &QAbstractSocket::errorOccurred);
            socket.connectToHost(QHostAddress::LocalHost, port);
            QTRY_COMPARE(errors.count(), 1);
            QCOMPARE(socket.error(), QAbstractSocket::ConnectionRefusedError);
        }
    }

    void closedFdHandledHarmlessly()
    {
        EpollEventDispatcher *dispatcher = mainDispatcher();
        const int registeredBefore = dispatcher->registeredSocketCount();
        QTest::failOnWarning(QRegularExpression(QStringLiteral(".*")));
        int fds[2];
        QCOMPARE(::pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
        auto notifier = std::make_unique<QSocketNotifier>(fds[0], QSocketNotifier::Read);
        QCoreApplication::processEvents();
        QCOMPARE(dispatcher->registeredSocketCount(), registeredBefore + 1);
        // Closed behind the notifier's back, then disabled: the EPOLL_CTL_DEL fails with EBADF, silently.
        ::close(fds[0]);
        ::close(fds[1]);
        notifier->setEnabled(false);
        notifier.reset();
        QCOMPARE(dispatcher->registeredSocketCount(), registeredBefore);

        // The fd number is reused by a new pipe, which works normally.
        QCOMPARE(::pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
        QSocketNotifier reused(fds[0], QSocketNotifier::Read);
        int activated = 0;
        connect(&reused, &QSocketNotifier::activated, this, [&] { ++activated; });
        QVERIFY(::write(fds[1], "r", 1) == 1);
        QTRY_VERIFY(activated >= 1);
        reused.setEnabled(false);
        ::close(fds[0]);
        ::close(fds[1]);
        QCOMPARE(dispatcher->registeredSocketCount(), registeredBefore);
    }

    void filesEpollCannotWatchAreAlwaysReady()
    {
        // epoll_ctl refuses /dev/null and regular files (EPERM); poll() reports them always ready, so Qt's
        // dispatchers activate their notifiers on every iteration, and so must we.
        EpollEventDispatcher *dispatcher = mainDispatcher();
        QTest::failOnWarning(QRegularExpression(QStringLiteral(".*")));
        const int devNull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        QVERIFY(devNull >= 0);
        QTemporaryFile file;
        QVERIFY(file.open());
        QTimer guard; // ends a wrongly blocking wait (then the elapsed check fails)
        guard.setSingleShot(true);
        guard.start(2000ms);
        for (int i = 0; i < 3; ++i) // consume wake-ups left by earlier tests, which would end a wait at once
            QCoreApplication::processEvents();
        QSocketNotifier readNotifier(devNull, QSocketNotifier::Read);
        QSocketNotifier writeNotifier(file.handle(), QSocketNotifier::Write);
        int reads = 0;
        int writes = 0;
        connect(&readNotifier, &QSocketNotifier::activated, this, [&] { ++reads; });
        connect(&writeNotifier, &QSocketNotifier::activated, this, [&] { ++writes; });
        QElapsedTimer clock;
        clock.start();
        for (int i = 0; i < 5; ++i) // must not block: the notifiers are ready
            dispatcher->processEvents(QEventLoop::WaitForMoreEvents);
        QVERIFY(clock.elapsed() < 1000);
        QCOMPARE(dispatcher->alwaysReadyCount(), 2);
        QCOMPARE(reads, 5);
        QCOMPARE(writes, 5);
        readNotifier.setEnabled(false);
        writeNotifier.setEnabled(false);
        QCOMPARE(dispatcher->alwaysReadyCount(), 0);
        QCoreApplication::processEvents();
        QCOMPARE(reads, 5);
        ::close(devNull);
    }

    void tcpEchoWithIdleConnections()
    {
        constexpr int idle = 2000;
        constexpr int roundTrips = 500;
        rlimit limit{};
        getrlimit(RLIMIT_NOFILE, &limit);
        if (limit.rlim_cur < rlim_t(2 * idle + 200))
            QSKIP("RLIMIT_NOFILE too low for 2,000 loopback connection pairs");
        EpollEventDispatcher *dispatcher = mainDispatcher();

        QTcpServer server;
        server.setMaxPendingConnections(idle + 10);
        server.setListenBacklogSize(4096);
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        std::vector<QTcpSocket *> accepted;
        connect(&server, &QTcpServer::newConnection, this, [&] {
            while (QTcpSocket *socket = server.nextPendingConnection())
                accepted.push_back(socket);
        });
        std::vector<std::unique_ptr<QTcpSocket>> clients;
        for (int i = 0; i < idle; ++i) {
            clients.push_back(std::make_unique<QTcpSocket>());
            clients.back()->connectToHost(QHostAddress::LocalHost, server.serverPort());
        }
        QTRY_COMPARE_WITH_TIMEOUT(int(accepted.size()), idle, 20000);
        QTRY_VERIFY_WITH_TIMEOUT(std::all_of(clients.begin(), clients.end(),
                                     [](const auto &c) { return c->state() == QAbstractSocket::ConnectedState; }),
            10000);
        QVERIFY(dispatcher->registeredSocketCount() >= 2 * idle + 1);

        // The echo connection; both sides flush() after write, so with deferred epoll_ctl the write
        // notifier's enable/disable within one iteration costs no syscall.
        QTcpSocket client;
        client.connectToHost(QHostAddress::LocalHost, server.serverPort());
        QTRY_COMPARE(int(accepted.size()), idle + 1);
        QTRY_COMPARE(client.state(), QAbstractSocket::ConnectedState);
        QTcpSocket *echo = accepted.back();
        connect(echo, &QIODevice::readyRead, this, [echo] {
            echo->write(echo->readAll());
            echo->flush();
        });
        const QByteArray payload("0123456789abcdef");
        int done = 0;
        bool mismatch = false;
        QByteArray received;
        QEventLoop loop;
        connect(&client, &QIODevice::readyRead, this, [&] {
            received += client.readAll();
            if (received.size() < payload.size())
                return;
            mismatch = mismatch || received != payload;
            received.clear();
            if (++done == roundTrips) {
                loop.quit();
                return;
            }
            client.write(payload);
            client.flush();
        });
        QTimer::singleShot(20000ms, &loop, &QEventLoop::quit);
        const EpollEventDispatcher::Statistics before = dispatcher->statistics();
        QElapsedTimer clock;
        clock.start();
        client.write(payload);
        client.flush();
        loop.exec();
        const qint64 elapsedUs = clock.nsecsElapsed() / 1000;
        const EpollEventDispatcher::Statistics after = dispatcher->statistics();
        QCOMPARE(done, roundTrips);
        QVERIFY(!mismatch);
        const double readyPerRt = double(after.readyEvents - before.readyEvents) / roundTrips;
        const double ctlPerRt = double(after.epollCtlCalls - before.epollCtlCalls) / roundTrips;
        const double iterationsPerRt = double(after.iterations - before.iterations) / roundTrips;
        qInfo("%d round trips with %d idle connections: %.0f/s; per round trip %.2f ready fds, %.2f epoll_ctl, "
              "%.2f iterations",
            roundTrips, idle, roundTrips * 1e6 / double(elapsedUs), readyPerRt, ctlPerRt, iterationsPerRt);
        // O(active): the idle sockets are never reported (a poll()-style scan would touch 4,000 fds per wake-up).
        QVERIFY2(readyPerRt < 6.0, qPrintable(QString::number(readyPerRt)));
        if (dispatcher->options().deferControl)
            QVERIFY2(ctlPerRt < 0.5, qPrintable(QString::number(ctlPerRt)));
        else // enable + disable of each side's write notifier
            QVERIFY2(ctlPerRt >= 3.5 && ctlPerRt < 4.5, qPrintable(QString::number(ctlPerRt)));

        // The kernel's interest list matches our bookkeeping.
        const std::vector<int> interest = epollInterestCounts();
        QCOMPARE(interest.size(), size_t(1));
        QCOMPARE(interest.front(), dispatcher->registeredSocketCount() + 1); // + the wake-up eventfd

        for (auto &c : clients)
            c->abort();
        clients.clear();
        client.abort();
        QTRY_VERIFY(std::all_of(accepted.begin(), accepted.end(),
            [](QTcpSocket *s) { return s->state() == QAbstractSocket::UnconnectedState; }));
    }

    void immediateControlModeInWorker()
    {
        // The main dispatcher defers epoll_ctl; exercise the immediate mode on a worker's dispatcher.
        EpollEventDispatcher::Options options;
        options.deferControl = false;
        QThread thread;
        thread.setEventDispatcher(new EpollEventDispatcher(options));
        int done = 0;
        bool mismatch = false;
        double ctlPerRt = 0;
        QObject::connect(&thread, &QThread::started, [&] {
            auto *dispatcher = qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance());
            TcpPair pair;
            if (!pair.open()) {
                QThread::currentThread()->quit();
                return;
            }
            QObject::connect(pair.accepted, &QIODevice::readyRead, pair.accepted,
                [&] { pair.accepted->write(pair.accepted->readAll()); });
            QEventLoop loop;
            QByteArray received;
            QObject::connect(pair.client.get(), &QIODevice::readyRead, pair.client.get(), [&] {
                received += pair.client->readAll();
                if (received.size() < 4)
                    return;
                mismatch = mismatch || received != "ping";
                received.clear();
                if (++done == 100)
                    loop.quit();
                else
                    pair.client->write("ping");
            });
            QTimer::singleShot(10000ms, &loop, &QEventLoop::quit);
            const quint64 before = dispatcher->statistics().epollCtlCalls;
            pair.client->write("ping");
            loop.exec();
            ctlPerRt = double(dispatcher->statistics().epollCtlCalls - before) / 100;
            QThread::currentThread()->quit();
        });
        thread.start();
        QVERIFY(thread.wait(15000));
        QCOMPARE(done, 100);
        QVERIFY(!mismatch);
        // Each side's write notifier is enabled by write() and disabled after the flush: 2 MODs per side.
        QVERIFY2(ctlPerRt >= 3.5 && ctlPerRt <= 4.5, qPrintable(QString::number(ctlPerRt)));
    }

    void webSocketEcho()
    {
        QWebSocketServer server(QStringLiteral("tst"), QWebSocketServer::NonSecureMode);
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        connect(&server, &QWebSocketServer::newConnection, this, [&] {
            while (QWebSocket *socket = server.nextPendingConnection()) {
                socket->setParent(&server);
                connect(socket, &QWebSocket::textMessageReceived, socket,
                    [socket](const QString &message) { socket->sendTextMessage(message); });
                connect(socket, &QWebSocket::binaryMessageReceived, socket,
                    [socket](const QByteArray &message) { socket->sendBinaryMessage(message); });
            }
        });
        const QUrl url(QStringLiteral("ws://127.0.0.1:%1").arg(server.serverPort()));

        std::vector<std::unique_ptr<QWebSocket>> idle;
        for (int i = 0; i < 100; ++i) {
            idle.push_back(std::make_unique<QWebSocket>());
            idle.back()->open(url);
        }
        QWebSocket client;
        QStringList texts;
        QList<QByteArray> binaries;
        connect(&client, &QWebSocket::textMessageReceived, this, [&](const QString &m) { texts.append(m); });
        connect(&client, &QWebSocket::binaryMessageReceived, this, [&](const QByteArray &m) { binaries.append(m); });
        client.open(url);
        QTRY_COMPARE(client.state(), QAbstractSocket::ConnectedState);
        QTRY_VERIFY(std::all_of(
            idle.begin(), idle.end(), [](const auto &s) { return s->state() == QAbstractSocket::ConnectedState; }));

        QStringList sent;
        for (int i = 0; i < 50; ++i) {
            sent.append(QStringLiteral("message %1 ✓").arg(i));
            client.sendTextMessage(sent.back());
        }
        QByteArray big(300 * 1024, Qt::Uninitialized); // spans many TCP reads and write-notifier rounds
        for (qsizetype i = 0; i < big.size(); ++i)
            big[i] = char(i * 31 + 7);
        client.sendBinaryMessage(big);
        QTRY_COMPARE_WITH_TIMEOUT(texts.size(), sent.size(), 10000);
        QCOMPARE(texts, sent);
        QTRY_COMPARE_WITH_TIMEOUT(binaries.size(), 1, 10000);
        QCOMPARE(binaries.first(), big);

        QSignalSpy disconnected(&client, &QWebSocket::disconnected);
        client.close();
        QTRY_COMPARE(disconnected.count(), 1);
        for (auto &s : idle)
            s->abort();
    }

    void fdChurnLeavesNoLeak()
    {
        EpollEventDispatcher *dispatcher = mainDispatcher();
        QTcpServer server;
        server.setMaxPendingConnections(1000);
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        QCoreApplication::processEvents();
        const int fdsBefore = countOpenFds();
        const int registeredBefore = dispatcher->registeredSocketCount();

        connect(&server, &QTcpServer::newConnection, this, [&] {
            while (QTcpSocket *socket = server.nextPendingConnection()) {
                connect(socket, &QAbstractSocket::disconnected, socket, &QObject::deleteLater);
                connect(socket, &QIODevice::readyRead, socket, [socket] {
                    const QByteArray data = socket->readAll();
                    socket->write(data);
                    if (data.contains('s')) // the client asked the server side to close
                        socket->disconnectFromHost();
                });
            }
        });

        constexpr int rounds = 20;
        constexpr int perRound = 40;
        for (int round = 0; round < rounds; ++round) {
            std::vector<QTcpSocket *> clients;
            int echoed = 0;
            for (int i = 0; i < perRound; ++i) {
                auto *client = new QTcpSocket;
                clients.push_back(client);
                connect(client, &QIODevice::readyRead, client, [&echoed, client] {
                    if (!client->readAll().isEmpty())
                        ++echoed;
                });
                connect(client, &QAbstractSocket::connected, client,
                    [client, i] { client->write(i % 3 == 2 ? "s" : "c"); });
                client->connectToHost(QHostAddress::LocalHost, server.serverPort());
            }
            QTRY_COMPARE_WITH_TIMEOUT(echoed, perRound, 10000);
            // A third reset (RST), a third closed by the client (FIN), a third closed by the server.
            for (int i = 0; i < perRound; ++i) {
                if (i % 3 == 0)
                    clients[size_t(i)]->abort();
                else if (i % 3 == 1)
                    clients[size_t(i)]->disconnectFromHost();
            }
            QTRY_VERIFY_WITH_TIMEOUT(std::all_of(clients.begin(), clients.end(),
                                         [](QTcpSocket *c) { return c->state() == QAbstractSocket::UnconnectedState; }),
                10000);
            for (QTcpSocket *client : clients)
                client->deleteLater();
        }
        QTRY_COMPARE_WITH_TIMEOUT(countOpenFds(), fdsBefore, 10000);
        QTRY_COMPARE(dispatcher->registeredSocketCount(), registeredBefore);
        const std::vector<int> interest = epollInterestCounts();
        QCOMPARE(interest.size(), size_t(1));
        QCOMPARE(interest.front(), registeredBefore + 1);
        qInfo("%d connections churned; %d fds open before and after; %llu epoll_ctl calls so far", rounds * perRound,
            fdsBefore, dispatcher->statistics().epollCtlCalls);
    }

    // Last: it runs (and ends) the application's own loop.
    void quitFromTimer()
    {
        QTimer::singleShot(30ms, QCoreApplication::instance(), &QCoreApplication::quit);
        QElapsedTimer clock;
        clock.start();
        const int code = QCoreApplication::exec();
        QCOMPARE(code, 0);
        QVERIFY(clock.elapsed() >= 25 && clock.elapsed() < 2000);
    }
};

int main(int argc, char *argv[])
{
    // The idle-connection test needs ~4,100 fds; the hard limit here is 20,000.
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    // Must happen before the application object exists; Qt takes ownership.
    // QSOKETI_EPOLL_IMMEDIATE_CTL=1 runs the whole suite with epoll_ctl applied at once instead of deferred.
    EpollEventDispatcher::Options options;
    options.deferControl = qEnvironmentVariableIntValue("QSOKETI_EPOLL_IMMEDIATE_CTL") == 0;
    QCoreApplication::setEventDispatcher(new EpollEventDispatcher(options));
    QCoreApplication app(argc, argv);
    if (!qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance())) {
        qCritical("the application did not pick up EpollEventDispatcher");
        return 1;
    }
    TestEpollEventDispatcher test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_epolleventdispatcher.moc"
