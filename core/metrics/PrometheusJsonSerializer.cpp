// SPDX-License-Identifier: GPL-3.0-or-later
#include "metrics/PrometheusJsonSerializer.h"

#include <cmath>

#include <QJsonDocument>
#include <QJsonObject>
#include <QString>

#include "metrics/PrometheusTextSerializer.h"

namespace qsoketi {

namespace {

QJsonValue number(double value)
{
    return std::isfinite(value) ? QJsonValue(value) : QJsonValue(QJsonValue::Null);
}

QJsonObject labelsOf(const prometheus::ClientMetric &metric)
{
    QJsonObject labels;
    for (const auto &label : metric.label)
        labels.insert(QString::fromStdString(label.name), QString::fromStdString(label.value));
    return labels;
}

QJsonObject sample(double value, const QJsonObject &labels, const std::string &metricName = {})
{
    QJsonObject object{{QStringLiteral("value"), number(value)}, {QStringLiteral("labels"), labels}};
    if (!metricName.empty())
        object.insert(QStringLiteral("metricName"), QString::fromStdString(metricName));
    return object;
}

// prom-client's per-metric aggregator (how its cluster mode merges workers): "omit" for the start
// time, "average" for the event-loop lag, "sum" for everything else.
QString aggregatorOf(const std::string &name)
{
    const QString n = QString::fromStdString(name);
    if (n.endsWith(QLatin1String("process_start_time_seconds")))
        return QStringLiteral("omit");
    if (n.endsWith(QLatin1String("eventloop_lag_seconds")))
        return QStringLiteral("average");
    return QStringLiteral("sum");
}

QJsonArray valuesOf(const prometheus::MetricFamily &family)
{
    QJsonArray values;
    for (const prometheus::ClientMetric &metric : family.metric) {
        const QJsonObject labels = labelsOf(metric);
        switch (family.type) {
        case prometheus::MetricType::Counter:
            values.append(sample(metric.counter.value, labels));
            break;
        case prometheus::MetricType::Gauge:
            values.append(sample(metric.gauge.value, labels));
            break;
        case prometheus::MetricType::Untyped:
            values.append(sample(metric.untyped.value, labels));
            break;
        case prometheus::MetricType::Summary:
            for (const auto &quantile : metric.summary.quantile) {
                QJsonObject withQuantile = labels;
                withQuantile.insert(QStringLiteral("quantile"), number(quantile.quantile));
                values.append(sample(quantile.value, withQuantile));
            }
            values.append(sample(metric.summary.sample_sum, labels, family.name + "_sum"));
            values.append(sample(double(metric.summary.sample_count), labels, family.name + "_count"));
            break;
        case prometheus::MetricType::Histogram: {
            bool sawInf = false;
            for (const auto &bucket : metric.histogram.bucket) {
                QJsonObject withLe = labels;
                const bool inf = std::isinf(bucket.upper_bound);
                sawInf = sawInf || inf;
                withLe.insert(
                    QStringLiteral("le"), inf ? QJsonValue(QStringLiteral("+Inf")) : number(bucket.upper_bound));
                values.append(sample(double(bucket.cumulative_count), withLe, family.name + "_bucket"));
            }
            if (!sawInf) {
                QJsonObject withLe = labels;
                withLe.insert(QStringLiteral("le"), QStringLiteral("+Inf"));
                values.append(sample(double(metric.histogram.sample_count), withLe, family.name + "_bucket"));
            }
            values.append(sample(metric.histogram.sample_sum, labels, family.name + "_sum"));
            values.append(sample(double(metric.histogram.sample_count), labels, family.name + "_count"));
            break;
        }
        }
    }
    return values;
}

} // namespace

QJsonArray PrometheusJsonSerializer::toJson(const MetricsSnapshot &snapshot)
{
    QJsonArray array;
    for (const prometheus::MetricFamily &family : snapshot.families) {
        array.append(QJsonObject{
            {QStringLiteral("help"), QString::fromStdString(family.help)},
            {QStringLiteral("name"), QString::fromStdString(family.name)},
            {QStringLiteral("type"), QString::fromLatin1(PrometheusTextSerializer::typeName(family.type))},
            {QStringLiteral("values"), valuesOf(family)},
            {QStringLiteral("aggregator"), aggregatorOf(family.name)},
        });
    }
    return array;
}

QByteArray PrometheusJsonSerializer::serialize(const MetricsSnapshot &snapshot)
{
    return QJsonDocument(toJson(snapshot)).toJson(QJsonDocument::Compact);
}

} // namespace qsoketi
