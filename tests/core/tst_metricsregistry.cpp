// SPDX-License-Identifier: GPL-3.0-or-later
#include "metrics/MetricsRegistry.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include <QTest>

using namespace qsoketi;

class TestMetricsRegistry final : public QObject
{
    Q_OBJECT

private slots:
    void forAppReturnsTheSameSeries()
    {
        MetricsRegistry registry(MetricsConfig {}, 6001);
        AppMetrics &a = registry.forApp(QStringLiteral("app-id"));
        AppMetrics &b = registry.forApp(QStringLiteral("app-id"));
        QCOMPARE(a.connected, b.connected);
        QVERIFY(registry.forApp(QStringLiteral("other")).connected != a.connected);
    }

    void collectSeesIncrements()
    {
        MetricsRegistry registry(MetricsConfig {}, 6001);
        AppMetrics &m = registry.forApp(QStringLiteral("app-id"));
        m.wsMessagesReceived->Increment(3);
        m.connected->Increment();
        const MetricsSnapshot snapshot = registry.collect();
        bool sawReceived = false;
        for (const auto &family : snapshot.families) {
            if (family.name == "soketi_ws_messages_received_total") {
                QCOMPARE(family.metric.size(), size_t(1));
                QCOMPARE(family.metric[0].counter.value, 3.0);
                sawReceived = true;
            }
        }
        QVERIFY(sawReceived);
    }
};

QTEST_APPLESS_MAIN(TestMetricsRegistry)
#include "tst_metricsregistry.moc"
