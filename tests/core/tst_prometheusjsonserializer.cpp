// SPDX-License-Identifier: GPL-3.0-or-later
#include <limits>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include "metrics/MetricsRegistry.h"
#include "metrics/PrometheusJsonSerializer.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

using namespace qsoketi;

namespace {

QJsonObject familyNamed(const QJsonArray &array, const QString &name)
{
    for (const QJsonValue &value : array) {
        if (value.toObject().value(QStringLiteral("name")).toString() == name)
            return value.toObject();
    }
    return {};
}

} // namespace

class TestPrometheusJsonSerializer final : public QObject
{
    Q_OBJECT

private slots:
    // prom-client getMetricsAsJSON(): [{help, name, type, values:[{value, labels}], aggregator}].
    void hasPromClientsShape()
    {
        MetricsRegistry registry(MetricsConfig{}, 6001);
        AppMetrics &app = registry.forApp(QStringLiteral("app-1"));
        app.connected->Set(3);
        app.wsMessagesSent->Increment(12);

        QJsonParseError error{};
        const QJsonDocument document =
            QJsonDocument::fromJson(PrometheusJsonSerializer::serialize(registry.collect()), &error);
        QCOMPARE(error.error, QJsonParseError::NoError);
        QVERIFY(document.isArray());
        const QJsonArray array = document.array();
        QCOMPARE(array.size(), 26); // 16 soketi + 10 process families

        for (const QJsonValue &value : array) {
            const QJsonObject family = value.toObject();
            QCOMPARE(QStringList(family.keys()),
                QStringList({"aggregator", "help", "name", "type", "values"})); // keys() is sorted
            QVERIFY(family.value(QStringLiteral("values")).isArray());
            QVERIFY(!family.value(QStringLiteral("help")).toString().isEmpty());
        }

        const QJsonObject connected = familyNamed(array, QStringLiteral("soketi_connected"));
        QCOMPARE(connected.value(QStringLiteral("type")).toString(), QStringLiteral("gauge"));
        QCOMPARE(connected.value(QStringLiteral("help")).toString(),
            QStringLiteral("The number of currently connected sockets."));
        QCOMPARE(connected.value(QStringLiteral("aggregator")).toString(), QStringLiteral("sum"));
        const QJsonArray values = connected.value(QStringLiteral("values")).toArray();
        QCOMPARE(values.size(), 1);
        QCOMPARE(values[0].toObject().value(QStringLiteral("value")).toDouble(), 3.0);
        const QJsonObject labels = values[0].toObject().value(QStringLiteral("labels")).toObject();
        QCOMPARE(labels.value(QStringLiteral("app_id")).toString(), QStringLiteral("app-1"));
        QCOMPARE(labels.value(QStringLiteral("port")).toString(), QStringLiteral("6001"));

        const QJsonObject sent = familyNamed(array, QStringLiteral("soketi_ws_messages_sent_total"));
        QCOMPARE(sent.value(QStringLiteral("type")).toString(), QStringLiteral("counter"));
        QCOMPARE(sent.value(QStringLiteral("values")).toArray()[0].toObject().value(QStringLiteral("value")).toDouble(),
            12.0);

        QCOMPARE(familyNamed(array, QStringLiteral("soketi_process_start_time_seconds"))
                     .value(QStringLiteral("aggregator"))
                     .toString(),
            QStringLiteral("omit"));
        QCOMPARE(familyNamed(array, QStringLiteral("soketi_eventloop_lag_seconds"))
                     .value(QStringLiteral("aggregator"))
                     .toString(),
            QStringLiteral("average"));
        // A family with no series yet is listed with an empty values array.
        QCOMPARE(familyNamed(array, QStringLiteral("soketi_horizontal_adapter_sent_requests"))
                     .value(QStringLiteral("values"))
                     .toArray()
                     .size(),
            0);
    }

    void histogramValuesNameTheirSeries()
    {
        MetricsRegistry registry(MetricsConfig{}, 6001);
        registry.adapterForApp(QStringLiteral("a")).resolveTime->Observe(0.3);
        const QJsonArray array = PrometheusJsonSerializer::toJson(registry.collect());
        const QJsonObject family = familyNamed(array, QStringLiteral("soketi_horizontal_adapter_resolve_time"));
        QCOMPARE(family.value(QStringLiteral("type")).toString(), QStringLiteral("histogram"));
        const QJsonArray values = family.value(QStringLiteral("values")).toArray();
        QCOMPARE(values.size(), 11 + 1 + 2); // 11 bounds, +Inf, sum, count
        const QJsonObject half = values[6].toObject();
        QCOMPARE(half.value(QStringLiteral("metricName")).toString(),
            QStringLiteral("soketi_horizontal_adapter_resolve_time_bucket"));
        QCOMPARE(half.value(QStringLiteral("labels")).toObject().value(QStringLiteral("le")).toDouble(), 0.5);
        QCOMPARE(half.value(QStringLiteral("value")).toDouble(), 1.0);
        QCOMPARE(values[5].toObject().value(QStringLiteral("value")).toDouble(), 0.0); // le 0.25
        QCOMPARE(
            values[11].toObject().value(QStringLiteral("labels")).toObject().value(QStringLiteral("le")).toString(),
            QStringLiteral("+Inf"));
        QCOMPARE(values[12].toObject().value(QStringLiteral("metricName")).toString(),
            QStringLiteral("soketi_horizontal_adapter_resolve_time_sum"));
        QCOMPARE(values[12].toObject().value(QStringLiteral("value")).toDouble(), 0.3);
        QCOMPARE(values[13].toObject().value(QStringLiteral("metricName")).toString(),
            QStringLiteral("soketi_horizontal_adapter_resolve_time_count"));
        QCOMPARE(values[13].toObject().value(QStringLiteral("value")).toDouble(), 1.0);
    }

    // JSON.stringify turns NaN and ±Infinity into null; so do we (QJsonDocument would otherwise too,
    // but silently).
    void nonFiniteValuesAreNull()
    {
        MetricsSnapshot snapshot;
        prometheus::ClientMetric metric;
        metric.gauge.value = std::numeric_limits<double>::quiet_NaN();
        prometheus::ClientMetric inf;
        inf.label = {{"k", "inf"}};
        inf.gauge.value = std::numeric_limits<double>::infinity();
        snapshot.families.push_back({"g", "h", prometheus::MetricType::Gauge, {metric, inf}});
        const QJsonArray values =
            PrometheusJsonSerializer::toJson(snapshot)[0].toObject().value(QStringLiteral("values")).toArray();
        QVERIFY(values[0].toObject().value(QStringLiteral("value")).isNull());
        QVERIFY(values[1].toObject().value(QStringLiteral("value")).isNull());
        QVERIFY(QJsonDocument::fromJson(PrometheusJsonSerializer::serialize(snapshot)).isArray());
    }
};

QTEST_APPLESS_MAIN(TestPrometheusJsonSerializer)
#include "tst_prometheusjsonserializer.moc"
