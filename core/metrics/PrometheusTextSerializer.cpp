// SPDX-License-Identifier: GPL-3.0-or-later
#include "metrics/PrometheusTextSerializer.h"

#include <charconv>
#include <cmath>

namespace qsoketi {

namespace {

// One sample line: name{labels[,extraName="extraValue"]} value
void writeSample(std::string &out, const std::string &name, std::string_view suffix,
    const std::vector<prometheus::ClientMetric::Label> &labels, double value, std::string_view extraName = {},
    std::string_view extraValue = {})
{
    out += name;
    out += suffix;
    if (!labels.empty() || !extraName.empty()) {
        out += '{';
        bool first = true;
        for (const auto &label : labels) {
            if (!first)
                out += ',';
            first = false;
            out += label.name;
            out += "=\"";
            out += PrometheusTextSerializer::escapeLabelValue(label.value);
            out += '"';
        }
        if (!extraName.empty()) {
            if (!first)
                out += ',';
            out += extraName;
            out += "=\"";
            out += extraValue; // numbers only: nothing to escape
            out += '"';
        }
        out += '}';
    }
    out += ' ';
    out += PrometheusTextSerializer::formatValue(value);
    out += '\n';
}

void writeMetric(std::string &out, const prometheus::MetricFamily &family, const prometheus::ClientMetric &metric)
{
    switch (family.type) {
    case prometheus::MetricType::Counter:
        writeSample(out, family.name, {}, metric.label, metric.counter.value);
        return;
    case prometheus::MetricType::Gauge:
        writeSample(out, family.name, {}, metric.label, metric.gauge.value);
        return;
    case prometheus::MetricType::Untyped:
        writeSample(out, family.name, {}, metric.label, metric.untyped.value);
        return;
    case prometheus::MetricType::Summary:
        for (const auto &quantile : metric.summary.quantile)
            writeSample(out, family.name, {}, metric.label, quantile.value, "quantile",
                PrometheusTextSerializer::formatValue(quantile.quantile));
        writeSample(out, family.name, "_sum", metric.label, metric.summary.sample_sum);
        writeSample(out, family.name, "_count", metric.label, double(metric.summary.sample_count));
        return;
    case prometheus::MetricType::Histogram: {
        bool sawInf = false;
        for (const auto &bucket : metric.histogram.bucket) {
            sawInf = sawInf || std::isinf(bucket.upper_bound);
            writeSample(out, family.name, "_bucket", metric.label, double(bucket.cumulative_count), "le",
                PrometheusTextSerializer::formatValue(bucket.upper_bound));
        }
        // The format requires a +Inf bucket equal to _count.
        if (!sawInf)
            writeSample(out, family.name, "_bucket", metric.label, double(metric.histogram.sample_count), "le", "+Inf");
        writeSample(out, family.name, "_sum", metric.label, metric.histogram.sample_sum);
        writeSample(out, family.name, "_count", metric.label, double(metric.histogram.sample_count));
        return;
    }
    }
}

} // namespace

const char *PrometheusTextSerializer::typeName(prometheus::MetricType type)
{
    switch (type) {
    case prometheus::MetricType::Counter:
        return "counter";
    case prometheus::MetricType::Gauge:
        return "gauge";
    case prometheus::MetricType::Summary:
        return "summary";
    case prometheus::MetricType::Histogram:
        return "histogram";
    case prometheus::MetricType::Untyped:
        break;
    }
    return "untyped";
}

QByteArray PrometheusTextSerializer::serialize(const MetricsSnapshot &snapshot)
{
    std::string out;
    out.reserve(4096);
    bool first = true;
    for (const prometheus::MetricFamily &family : snapshot.families) {
        if (!first)
            out += '\n';
        first = false;
        out += "# HELP ";
        out += family.name;
        out += ' ';
        out += escapeHelp(family.help);
        out += "\n# TYPE ";
        out += family.name;
        out += ' ';
        out += typeName(family.type);
        out += '\n';
        for (const prometheus::ClientMetric &metric : family.metric)
            writeMetric(out, family, metric);
    }
    return QByteArray(out.data(), qsizetype(out.size()));
}

std::string PrometheusTextSerializer::formatValue(double value)
{
    if (std::isnan(value))
        return "NaN";
    if (std::isinf(value))
        return value > 0 ? "+Inf" : "-Inf";
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
}

std::string PrometheusTextSerializer::escapeLabelValue(std::string_view value)
{
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        switch (c) {
        case '\\':
            out += "\\\\";
            break;
        case '"':
            out += "\\\"";
            break;
        case '\n':
            out += "\\n";
            break;
        default:
            out += c;
        }
    }
    return out;
}

std::string PrometheusTextSerializer::escapeHelp(std::string_view help)
{
    std::string out;
    out.reserve(help.size());
    for (const char c : help) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

} // namespace qsoketi
