// SPDX-License-Identifier: GPL-3.0-or-later
// MetricsHistory: rates derived from counters, ring buffers, per-app series, both naming styles.
#include <QTest>

#include "MetricsHistory.h"
#include "RingBuffer.h"

using namespace qsoketi;

namespace {

prometheus::ClientMetric series(const std::string &app, double value, bool gauge)
{
    prometheus::ClientMetric m;
    m.label = {{"app_id", app}, {"port", "6001"}};
    if (gauge)
        m.gauge.value = value;
    else
        m.counter.value = value;
    return m;
}

// A snapshot with soketi's families for two apps; `prefix` selects the naming style.
MetricsSnapshot snapshot(
    qint64 t, double connectedA, double messagesA, double messagesB, const std::string &prefix = "soketi_")
{
    MetricsSnapshot s;
    s.takenAtMs = t;
    s.families.push_back({prefix + "connected", "", prometheus::MetricType::Gauge,
        {series("a", connectedA, true), series("b", 1, true)}});
    s.families.push_back({prefix + "ws_messages_received_total", "", prometheus::MetricType::Counter,
        {series("a", messagesA, false), series("b", messagesB, false)}});
    s.families.push_back(
        {prefix + "new_connections_total", "", prometheus::MetricType::Counter, {series("a", 10, false)}});
    return s;
}

} // namespace

class TestMetricsHistory final : public QObject
{
    Q_OBJECT

private slots:
    void ringBufferOverwritesOldest()
    {
        RingBuffer<int> ring(3);
        for (int i = 1; i <= 5; ++i)
            ring.push(i);
        QCOMPARE(ring.size(), 3);
        QCOMPARE(ring.at(0), 3);
        QCOMPARE(ring.last(), 5);
        ring.clear();
        QVERIFY(ring.isEmpty());
    }

    void familyMatchesBothNamingStyles()
    {
        QVERIFY(MetricsHistory::familyMatches("soketi_connected", "connected"));
        QVERIFY(MetricsHistory::familyMatches("soketi_6001_connected", "connected"));
        QVERIFY(MetricsHistory::familyMatches("connected", "connected"));
        QVERIFY(!MetricsHistory::familyMatches("soketi_disconnected", "connected"));
        QVERIFY(!MetricsHistory::familyMatches("soketi_new_connections_total", "connected"));
    }

    void ratesFromCounters()
    {
        MetricsHistory h;
        h.addSnapshot(snapshot(1000, 3, 100, 50));
        // No rate before a second snapshot: a counter's absolute value is not a rate.
        QVERIFY(!h.latest(QStringLiteral("a"), MetricsHistory::WsMessagesIn));
        QCOMPARE(*h.latest(QStringLiteral("a"), MetricsHistory::Connected), 3.0);
        h.addSnapshot(snapshot(3000, 4, 300, 60)); // 2 s later: a +200, b +10
        QCOMPARE(*h.latest(QStringLiteral("a"), MetricsHistory::WsMessagesIn), 100.0);
        QCOMPARE(*h.latest(QStringLiteral("b"), MetricsHistory::WsMessagesIn), 5.0);
        QCOMPARE(*h.latest(MetricsHistory::allApps(), MetricsHistory::WsMessagesIn), 105.0);
        QCOMPARE(*h.latest(MetricsHistory::allApps(), MetricsHistory::Connected), 5.0); // 4 + 1
        QCOMPARE(*h.latest(QStringLiteral("a"), MetricsHistory::NewConnections), 0.0); // unchanged counter
        QCOMPARE(h.appIds(), QStringList({QStringLiteral("a"), QStringLiteral("b")}));
    }

    void counterResetCountsFromZero()
    {
        MetricsHistory h;
        h.addSnapshot(snapshot(1000, 1, 500, 0));
        h.addSnapshot(snapshot(2000, 1, 40, 0)); // remote node restarted
        QCOMPARE(*h.latest(QStringLiteral("a"), MetricsHistory::WsMessagesIn), 40.0);
    }

    void portInNameStyle()
    {
        MetricsHistory h;
        h.addSnapshot(snapshot(1000, 2, 0, 0, "soketi_6001_"));
        h.addSnapshot(snapshot(2000, 2, 7, 0, "soketi_6001_"));
        QCOMPARE(*h.latest(QStringLiteral("a"), MetricsHistory::WsMessagesIn), 7.0);
        QCOMPARE(*h.latest(QStringLiteral("a"), MetricsHistory::Connected), 2.0);
    }

    void ringBuffersStayBounded()
    {
        MetricsHistory h(100);
        for (int i = 0; i < 1000; ++i)
            h.addSnapshot(snapshot(1000 + i * 1000, i, i * 10.0, 0));
        QCOMPARE(h.samples(QStringLiteral("a"), MetricsHistory::Connected)->size(), 100);
        QCOMPARE(h.samples(QStringLiteral("a"), MetricsHistory::WsMessagesIn)->size(), 100);
        QCOMPARE(h.samples(QStringLiteral("a"), MetricsHistory::Connected)->at(0).value, 900.0); // oldest kept
    }

    void pointsCoverRangeAndDownsample()
    {
        MetricsHistory h;
        for (int i = 0; i <= 3600; ++i)
            h.addSnapshot(snapshot(qint64(i) * 1000, i % 2 ? 10 : 0, 0, 0));
        const qint64 now = 3600 * 1000;
        const QList<QPointF> minute = h.points(QStringLiteral("a"), MetricsHistory::Connected, 60000, now);
        QCOMPARE(minute.size(), 61); // 1 s resolution, both ends included
        QCOMPARE(minute.first().x(), double(now - 60000));
        const QList<QPointF> hour = h.points(QStringLiteral("a"), MetricsHistory::Connected, 3600000, now, 360);
        QVERIFY2(hour.size() <= 361 && hour.size() >= 350, qPrintable(QString::number(hour.size())));
        // Averaging alternating 0/10 gives 5 in every 10-sample bucket.
        QCOMPARE(hour[hour.size() / 2].y(), 5.0);
    }
};

QTEST_GUILESS_MAIN(TestMetricsHistory)
#include "tst_metricshistory.moc"
