// SPDX-License-Identifier: GPL-3.0-or-later
// The debug console under a flood: 10,000 ActivityEvents/s for 3 s through the real ActivityFeed into
// the console widget (model, filter proxy, table view, shown). The event loop must stay responsive
// and memory bounded.
#include <QElapsedTimer>
#include <QTableView>
#include <QTest>
#include <QTimer>

#include "ActivityConsoleWidget.h"
#include "ActivityFilterProxyModel.h"
#include "ActivityLogModel.h"
#include "server/ActivityFeed.h"

using namespace qsoketi;

class TestActivityConsoleFlood final : public QObject
{
    Q_OBJECT

private slots:
    void floodKeepsTheLoopResponsive_data()
    {
        QTest::addColumn<QString>("textFilter");
        QTest::newRow("no filter") << QString();
        QTest::newRow("text filter on payload") << QStringLiteral("user-7");
    }
    void floodKeepsTheLoopResponsive()
    {
        QFETCH(QString, textFilter);
        ActivityFeed feed;
        feed.setEnabled(true);
        ActivityConsoleWidget console;
        console.resize(1200, 700);
        console.show();
        QVERIFY(QTest::qWaitForWindowExposed(&console));
        console.proxy()->setTextFilter(textFilter);
        connect(&feed, &ActivityFeed::eventsRecorded, &console, &ActivityConsoleWidget::appendEvents);

        // Producer: 100 events every 10 ms = 10,000/s, like a busy server recording into the feed.
        const QByteArray payload = QByteArrayLiteral("{\"message\":\"hello\",\"user\":\"user-7\",\"n\":12345}");
        quint64 produced = 0;
        QTimer producer;
        producer.setTimerType(Qt::PreciseTimer);
        connect(&producer, &QTimer::timeout, this, [&] {
            for (int i = 0; i < 100; ++i, ++produced)
                feed.record(i % 10 == 0 ? ActivityEvent::Kind::ApiEvent : ActivityEvent::Kind::ClientEvent,
                    QStringLiteral("app-id"), QStringLiteral("123.456"),
                    QStringLiteral("private-chat.%1").arg(produced % 50), QStringLiteral("client-message"),
                    produced % 2 ? payload : QByteArrayLiteral("{\"other\":true}"));
        });
        // Probe: a 10 ms timer; the largest gap between its ticks is the loop's worst stall.
        QElapsedTimer clock;
        qint64 last = 0, maxGap = 0;
        int ticks = 0;
        QTimer probe;
        probe.setTimerType(Qt::PreciseTimer);
        connect(&probe, &QTimer::timeout, this, [&] {
            const qint64 now = clock.elapsed();
            maxGap = qMax(maxGap, now - last);
            last = now;
            ++ticks;
        });
        clock.start();
        producer.start(10);
        probe.start(10);
        while (clock.elapsed() < 3000)
            QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
        producer.stop();
        // The feed delivers its last batch within its 100 ms tick (on its own thread's timer), the console
        // applies it within its 250 ms flush: wait for both, not just for an empty console queue.
        QTRY_COMPARE(console.model()->totalReceived() + feed.droppedEvents(), produced);
        QTRY_VERIFY(console.model()->pendingCount() == 0);
        probe.stop();

        qInfo("produced %llu events in 3 s; max gap between 10 ms ticks %lld ms over %d ticks; rows %d (shown %d); "
              "received %llu",
            produced, maxGap, ticks, console.model()->rowCount(), console.proxy()->rowCount(),
            console.model()->totalReceived());
        QVERIFY2(produced >= 20000, "the producer must actually have flooded");
        QVERIFY2(maxGap < 200, qPrintable(QStringLiteral("event loop stalled %1 ms").arg(maxGap)));
        QCOMPARE(console.model()->rowCount(), console.model()->maxRows()); // capped at 5,000

        if (!textFilter.isEmpty())
            QCOMPARE(console.proxy()->rowCount(), console.model()->rowCount() / 2); // odd events carry user-7
    }
};

QTEST_MAIN(TestActivityConsoleFlood)
#include "tst_activityconsoleflood.moc"
