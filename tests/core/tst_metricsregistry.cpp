// SPDX-License-Identifier: GPL-3.0-or-later
#include <QTest>

#include "metrics/MetricsRegistry.h"
#include "metrics/ProcessMetricsCollector.h"
#include "metrics/PrometheusTextSerializer.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

using namespace qsoketi;

namespace {

const prometheus::MetricFamily *findFamily(const MetricsSnapshot &snapshot, const std::string &name)
{
    for (const auto &family : snapshot.families) {
        if (family.name == name)
            return &family;
    }
    return nullptr;
}

QString typeName(prometheus::MetricType type)
{
    switch (type) {
    case prometheus::MetricType::Counter:
        return QStringLiteral("counter");
    case prometheus::MetricType::Gauge:
        return QStringLiteral("gauge");
    case prometheus::MetricType::Histogram:
        return QStringLiteral("histogram");
    default:
        return QStringLiteral("other");
    }
}

// The soketi families of spec §6.2, in soketi's registration order.
const QList<std::array<const char *, 3>> soketiFamilies{
    {"connected", "gauge", "The number of currently connected sockets."},
    {"new_connections_total", "counter", "Total amount of soketi connection requests."},
    {"new_disconnections_total", "counter", "Total amount of soketi disconnections."},
    {"socket_received_bytes", "counter", "Total amount of bytes that soketi received."},
    {"socket_transmitted_bytes", "counter", "Total amount of bytes that soketi transmitted."},
    {"ws_messages_received_total", "counter",
        "The total amount of WS messages received from connections by the server."},
    {"ws_messages_sent_total", "counter", "The total amount of WS messages sent to the connections from the server."},
    {"http_received_bytes", "counter", "Total amount of bytes that soketi's REST API received."},
    {"http_transmitted_bytes", "counter", "Total amount of bytes that soketi's REST API sent back."},
    {"http_calls_received_total", "counter", "Total amount of received REST API calls."},
    {"horizontal_adapter_resolve_time", "histogram", "The average resolve time for requests to other nodes."},
    {"horizontal_adapter_resolved_promises", "counter",
        "The total amount of promises that were fulfilled by other nodes."},
    {"horizontal_adapter_uncomplete_promises", "counter",
        "The total amount of promises that were not fulfilled entirely by other nodes."},
    {"horizontal_adapter_sent_requests", "counter", "The total amount of sent requests to other nodes."},
    {"horizontal_adapter_received_requests", "counter", "The total amount of received requests from other nodes."},
    {"horizontal_adapter_received_responses", "counter", "The total amount of received responses from other nodes."},
};

const QList<std::array<const char *, 3>> processFamilies{
    {"process_cpu_user_seconds_total", "counter", "Total user CPU time spent in seconds."},
    {"process_cpu_system_seconds_total", "counter", "Total system CPU time spent in seconds."},
    {"process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds."},
    {"process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds."},
    {"process_resident_memory_bytes", "gauge", "Resident memory size in bytes."},
    {"process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes."},
    {"process_heap_bytes", "gauge", "Process heap size in bytes."},
    {"process_open_fds", "gauge", "Number of open file descriptors."},
    {"process_max_fds", "gauge", "Maximum number of open file descriptors."},
    {"eventloop_lag_seconds", "gauge", "Lag of the event loop in seconds."},
};

} // namespace

class TestMetricsRegistry final : public QObject
{
    Q_OBJECT

private slots:
    void forAppReturnsTheSameSeries()
    {
        MetricsRegistry registry(MetricsConfig{}, 6001);
        AppMetrics &a = registry.forApp(QStringLiteral("app-id"));
        AppMetrics &b = registry.forApp(QStringLiteral("app-id"));
        QCOMPARE(a.connected, b.connected);
        QVERIFY(registry.forApp(QStringLiteral("other")).connected != a.connected);
    }

    // The app store families appear only once a store asks for them, after soketi's; asking twice
    // hands out the same series.
    void appStoreFamiliesOnlyWhenAsked()
    {
        MetricsRegistry registry(MetricsConfig{}, 6001);
        QVERIFY(!findFamily(registry.collect(), "soketi_app_store_lookups_total"));
        const AppStoreMetrics first = registry.appStore();
        const AppStoreMetrics second = registry.appStore();
        QCOMPARE(first.lookupsByKey, second.lookupsByKey);
        QVERIFY(first.lookupsByKey != first.lookupsById);
        first.lookupsByKey->Increment(2);
        first.lookupSeconds->Observe(0.002);
        const MetricsSnapshot snapshot = registry.collect();
        QCOMPARE(snapshot.families.size(), size_t(soketiFamilies.size() + 4 + processFamilies.size()));
        const auto *lookups = findFamily(snapshot, "soketi_app_store_lookups_total");
        QVERIFY(lookups);
        QCOMPARE(snapshot.families[size_t(soketiFamilies.size())].name, std::string("soketi_app_store_lookups_total"));
        QCOMPARE(lookups->metric.size(), size_t(2)); // by="id" and by="key"
        QCOMPARE(lookups->metric[1].counter.value, 2.0);
        const auto *latency = findFamily(snapshot, "soketi_app_store_lookup_duration_seconds");
        QVERIFY(latency);
        QCOMPARE(latency->type, prometheus::MetricType::Histogram);
        QCOMPARE(latency->metric[0].histogram.sample_count, std::uint64_t(1));
        QVERIFY(findFamily(snapshot, "soketi_app_store_cache_hits_total"));
        QVERIFY(findFamily(snapshot, "soketi_app_store_errors_total"));
    }

    void collectSeesIncrements()
    {
        MetricsRegistry registry(MetricsConfig{}, 6001);
        AppMetrics &m = registry.forApp(QStringLiteral("app-id"));
        m.wsMessagesReceived->Increment(3);
        m.connected->Increment();
        const MetricsSnapshot snapshot = registry.collect();
        const auto *family = findFamily(snapshot, "soketi_ws_messages_received_total");
        QVERIFY(family);
        QCOMPARE(family->metric.size(), size_t(1));
        QCOMPARE(family->metric[0].counter.value, 3.0);
    }

    // Spec §6.2: the 16 families, exact HELP and TYPE, in soketi's order, listed even before any series
    // exists (prom-client prints HELP/TYPE for every registered metric), then the process families.
    void everyFamilyHasSoketisNameHelpAndType_data()
    {
        QTest::addColumn<bool>("portInName");
        QTest::addColumn<QString>("prefix");
        QTest::addColumn<QString>("expectedPrefix");
        QTest::newRow("soketi 1.6 naming") << false << QStringLiteral("soketi_") << QStringLiteral("soketi_");
        QTest::newRow("port in name") << true << QStringLiteral("soketi_") << QStringLiteral("soketi_6001_");
        QTest::newRow("custom prefix") << false << QStringLiteral("myapp_") << QStringLiteral("myapp_");
    }
    void everyFamilyHasSoketisNameHelpAndType()
    {
        QFETCH(bool, portInName);
        QFETCH(QString, prefix);
        QFETCH(QString, expectedPrefix);
        MetricsConfig config;
        config.portInName = portInName;
        config.prefix = prefix;
        MetricsRegistry registry(config, 6001);
        const MetricsSnapshot snapshot = registry.collect();

        const auto expected = soketiFamilies + processFamilies;
        QCOMPARE(snapshot.families.size(), size_t(expected.size()));
        for (qsizetype i = 0; i < expected.size(); ++i) {
            const auto &family = snapshot.families[size_t(i)];
            QCOMPARE(QString::fromStdString(family.name), expectedPrefix + QLatin1String(expected[i][0]));
            QCOMPARE(typeName(family.type), QLatin1String(expected[i][1]));
            QCOMPARE(QString::fromStdString(family.help), QLatin1String(expected[i][2]));
        }
        // No soketi series before the first app is seen; the process series are always there.
        for (qsizetype i = 0; i < soketiFamilies.size(); ++i)
            QVERIFY(snapshot.families[size_t(i)].metric.empty());

        const QByteArray text = PrometheusTextSerializer::serialize(snapshot);
        for (const auto &f : expected) {
            const QByteArray name = (expectedPrefix + QLatin1String(f[0])).toUtf8();
            QVERIFY2(text.contains(QByteArray("# HELP " + name + ' ' + f[2] + '\n')), name.constData());
            QVERIFY2(text.contains(QByteArray("# TYPE " + name + ' ' + f[1] + '\n')), name.constData());
        }
    }

    // Every series carries port="<server port>", whichever naming style; app series also app_id.
    void seriesCarryAppIdAndPortLabels_data()
    {
        QTest::addColumn<bool>("portInName");
        QTest::newRow("port label only") << false;
        QTest::newRow("port in name and label") << true;
    }
    void seriesCarryAppIdAndPortLabels()
    {
        QFETCH(bool, portInName);
        MetricsConfig config;
        config.portInName = portInName;
        MetricsRegistry registry(config, 7001);
        registry.forApp(QStringLiteral("app-1")).connected->Increment();
        registry.adapterForApp(QStringLiteral("app-1")).resolveTime->Observe(0.2);
        const MetricsSnapshot snapshot = registry.collect();
        const std::string prefix = portInName ? "soketi_7001_" : "soketi_";
        int soketiSeries = 0;
        int processSeries = 0;
        for (const auto &family : snapshot.families) {
            QVERIFY2(family.name.rfind(prefix, 0) == 0, family.name.c_str());
            const bool isProcess = family.name.find("process_") != std::string::npos
                || family.name.find("eventloop_") != std::string::npos;
            for (const auto &metric : family.metric) {
                using L = prometheus::ClientMetric::Label;
                const std::vector<L> expected = isProcess ? std::vector<L>{{"port", "7001"}}
                                                          : std::vector<L>{{"app_id", "app-1"}, {"port", "7001"}};
                QVERIFY2(metric.label == expected, family.name.c_str());
                ++(isProcess ? processSeries : soketiSeries);
            }
        }
        QCOMPARE(soketiSeries, 16);
        QCOMPARE(processSeries, processFamilies.size());
    }

    // N increments through AppMetrics appear as exactly N in the exposition text.
    void incrementsShowUpExactlyInText()
    {
        MetricsRegistry registry(MetricsConfig{}, 6001);
        AppMetrics &app = registry.forApp(QStringLiteral("app-id"));
        AppMetrics &other = registry.forApp(QStringLiteral("other"));
        const int n = 100003;
        for (int i = 0; i < n; ++i) {
            app.wsMessagesSent->Increment();
            app.socketTransmittedBytes->Increment(37);
        }
        for (int i = 0; i < 5; ++i)
            app.connected->Increment();
        app.connected->Decrement();
        other.httpCallsReceived->Increment();
        const QByteArray text = PrometheusTextSerializer::serialize(registry.collect());
        QVERIFY(text.contains("\nsoketi_ws_messages_sent_total{app_id=\"app-id\",port=\"6001\"} 100003\n"));
        QVERIFY(text.contains("\nsoketi_socket_transmitted_bytes{app_id=\"app-id\",port=\"6001\"} 3700111\n"));
        QVERIFY(text.contains("\nsoketi_connected{app_id=\"app-id\",port=\"6001\"} 4\n"));
        QVERIFY(text.contains("\nsoketi_http_calls_received_total{app_id=\"other\",port=\"6001\"} 1\n"));
        QVERIFY(text.contains("\nsoketi_http_calls_received_total{app_id=\"app-id\",port=\"6001\"} 0\n"));
    }

    // Series order inside a family is by labels, whatever order the apps appeared in.
    void seriesAreSortedByLabels()
    {
        MetricsRegistry registry(MetricsConfig{}, 6001);
        for (const char *id : {"zeta", "alpha", "mid", "beta"})
            registry.forApp(QString::fromLatin1(id));
        const MetricsSnapshot snapshot = registry.collect();
        const auto *family = findFamily(snapshot, "soketi_connected");
        QVERIFY(family);
        QStringList ids;
        for (const auto &metric : family->metric)
            ids << QString::fromStdString(metric.label[0].value);
        QCOMPARE(ids, QStringList({"alpha", "beta", "mid", "zeta"}));
    }
};

QTEST_APPLESS_MAIN(TestMetricsRegistry)
#include "tst_metricsregistry.moc"
