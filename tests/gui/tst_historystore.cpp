// SPDX-License-Identifier: GPL-3.0-or-later
// The charts' stored history: written and read back across a restart, downsampled (1 s rows for an hour,
// 1 min rows for a week, older deleted), bucketed for the charts, and cheap to write.
#include <QDateTime>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>

#include "HistoryStore.h"
#include "MetricsHistory.h"

using namespace qsoketi;

namespace {

constexpr qint64 minute = 60 * 1000;
constexpr qint64 hour = 60 * minute;
constexpr qint64 day = 24 * hour;
// A fixed "now", 30 s into a minute.
constexpr qint64 base = 1700000000000 / minute * minute + 30000;

} // namespace

class TestHistoryStore : public QObject
{
    Q_OBJECT

private slots:
    void writtenAndReadBackAcrossARestart()
    {
        QTemporaryDir dir;
        // Real time: the destructor's flush prunes by the clock.
        const qint64 now = QDateTime::currentMSecsSinceEpoch() / 1000 * 1000;
        const QString path = dir.filePath(QStringLiteral("sub/history.sqlite")); // the folder is created
        {
            HistoryStore store(path);
            QVERIFY2(store.isOpen(), qPrintable(store.errorString()));
            for (int i = 0; i < 10; ++i) {
                store.append(QString(), MetricsHistory::Connected, now - (9 - i) * 1000, 100 + i);
                store.append(QStringLiteral("app-id"), MetricsHistory::ApiCalls, now - (9 - i) * 1000, 0.5 * i);
            }
            QCOMPARE(store.pendingCount(), 20);
            QCOMPARE(store.rowCount(HistoryStore::Seconds), 0); // queued, not yet written
            // The destructor writes what is queued: a window closed between two flushes loses nothing.
        }
        HistoryStore again(path);
        QVERIFY(again.isOpen());
        const QList<QPointF> connected =
            again.samples(HistoryStore::Seconds, QString(), MetricsHistory::Connected, now - hour, now);
        QCOMPARE(connected.size(), 10);
        for (int i = 0; i < 10; ++i)
            QCOMPARE(connected[i], QPointF(double(now - (9 - i) * 1000), 100.0 + i));
        QCOMPARE(
            again.samples(HistoryStore::Seconds, QStringLiteral("app-id"), MetricsHistory::ApiCalls, 0, now).last().y(),
            4.5);
        QCOMPARE(again.appIds(), QStringList{QStringLiteral("app-id")});
        // Chart points of the last minute: 1 s rows, unbucketed when few.
        QCOMPARE(again.points(QString(), MetricsHistory::Connected, now - minute, now, now).size(), 10);
    }

    void downsamplingKeepsAnHourOfSecondsAndAWeekOfMinutes()
    {
        QTemporaryDir dir;
        HistoryStore store(dir.filePath(QStringLiteral("history.sqlite")));
        // Two hours of 1 s samples whose value is their minute number, and two minutes from 8 days ago.
        for (qint64 k = 7199; k >= 0; --k) {
            const qint64 t = base - k * 1000;
            store.append(QString(), MetricsHistory::Connected, t, double(t / minute));
        }
        for (qint64 k = 0; k < 120; ++k)
            store.append(QString(), MetricsHistory::Connected, base - 8 * day + k * 1000, 1);
        QVERIFY(store.flush(base));
        // Seconds: only the last hour, both ends included.
        QCOMPARE(store.rowCount(HistoryStore::Seconds), 3601);
        QVERIFY(store.samples(HistoryStore::Seconds, QString(), 0, 0, base).first().x() >= double(base - hour));
        // Minutes: each complete minute of the two hours once (the current one is not complete), averaged;
        // the 8-day-old minutes are gone.
        const QList<QPointF> minutes = store.samples(HistoryStore::Minutes, QString(), 0, 0, base);
        QCOMPARE(minutes.size(), 120);
        QCOMPARE(store.rowCount(HistoryStore::Minutes), 120);
        for (const QPointF &p : minutes) {
            QCOMPARE(qint64(p.x()) % minute, 0);
            QCOMPARE(p.y(), double(qint64(p.x()) / minute));
        }
        QCOMPARE(qint64(minutes.last().x()), base / minute * minute - minute);

        // A flush a minute later adds the minute that completed, once; flushing twice changes nothing.
        store.append(QString(), MetricsHistory::Connected, base + 20000, double((base + 20000) / minute));
        QVERIFY(store.flush(base + minute));
        QVERIFY(store.flush(base + minute));
        QCOMPARE(store.rowCount(HistoryStore::Minutes), 121);

        // The 24 h chart reads minutes, bucketed to at most the points asked for.
        const QList<QPointF> points = store.points(QString(), 0, base - day, base, base, 50);
        QVERIFY(!points.isEmpty() && points.size() <= 50);
        QVERIFY(points.first().x() >= double(base - 2 * hour - minute));

        // A week later everything has expired: bounded disk.
        QVERIFY(store.flush(base + 7 * day + 2 * minute));
        QCOMPARE(store.rowCount(HistoryStore::Seconds), 0);
        QCOMPARE(store.rowCount(HistoryStore::Minutes), 0);
    }

    void aFlushIsCheap()
    {
        QTemporaryDir dir;
        HistoryStore store(dir.filePath(QStringLiteral("history.sqlite")));
        // What a window queues in one 5 s flush interval: 8 series × (all apps + 4 apps) × 5 samples.
        qint64 worst = 0;
        for (int round = 0; round < 20; ++round) {
            for (int s = 0; s < 5; ++s)
                for (int app = 0; app < 5; ++app)
                    for (int series = 0; series < MetricsHistory::SeriesCount; ++series)
                        store.append(app ? QStringLiteral("app-%1").arg(app) : QString(), series,
                            base + (round * 5 + s) * 1000, series + app);
            QVERIFY(store.flush(base + (round * 5 + 5) * 1000));
            worst = qMax(worst, store.lastFlushMicroseconds());
        }
        // And a full hour at once (a window that could not write for an hour).
        for (int k = 0; k < 3600; ++k)
            for (int series = 0; series < MetricsHistory::SeriesCount; ++series)
                store.append(QStringLiteral("app-1"), series, base + 100000 + k * 1000, k);
        QVERIFY(store.flush(base + 100000 + 3600 * 1000));
        qInfo("flush of 200 rows: worst %lld us over 20 flushes; flush of 28,800 rows: %lld us", worst,
            store.lastFlushMicroseconds());
        QVERIFY2(worst < 50000, qPrintable(QString::number(worst)));
    }

    void unwritableFileIsHarmless()
    {
        HistoryStore store(QStringLiteral("/proc/qsoketi-no/history.sqlite"));
        QVERIFY(!store.isOpen());
        store.append(QString(), 0, base, 1);
        QCOMPARE(store.pendingCount(), 0);
        QVERIFY(!store.flush(base));
        QVERIFY(store.points(QString(), 0, base - hour, base, base).isEmpty());
    }
};

QTEST_MAIN(TestHistoryStore)
#include "tst_historystore.moc"
