// SPDX-License-Identifier: GPL-3.0-or-later
#include "PrometheusTextParser.h"

#include <cmath>
#include <limits>
#include <unordered_map>

#include <QDateTime>

namespace qsoketi {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

std::string unescape(QByteArrayView text, bool quotes)
{
    std::string out;
    out.reserve(size_t(text.size()));
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\\' && i + 1 < text.size()) {
            const char n = text[++i];
            if (n == 'n')
                out += '\n';
            else if (n == '\\')
                out += '\\';
            else if (n == '"' && quotes)
                out += '"';
            else {
                out += '\\';
                out += n;
            }
        } else {
            out += c;
        }
    }
    return out;
}

MetricType typeFromName(QByteArrayView name)
{
    if (name == "counter")
        return MetricType::Counter;
    if (name == "gauge")
        return MetricType::Gauge;
    if (name == "histogram")
        return MetricType::Histogram;
    if (name == "summary")
        return MetricType::Summary;
    return MetricType::Untyped;
}

bool isNameChar(char c, bool first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || (!first && c >= '0' && c <= '9');
}

// name{a="b",...} value [timestamp]
bool parseSample(
    QByteArrayView line, std::string *name, std::vector<ClientMetric::Label> *labels, double *value, QString *error)
{
    qsizetype i = 0;
    while (i < line.size() && isNameChar(line[i], i == 0))
        ++i;
    if (i == 0) {
        *error = QStringLiteral("metric name expected");
        return false;
    }
    *name = std::string(line.data(), size_t(i));
    if (i < line.size() && line[i] == '{') {
        ++i;
        while (true) {
            while (i < line.size() && (line[i] == ' ' || line[i] == ','))
                ++i;
            if (i < line.size() && line[i] == '}') {
                ++i;
                break;
            }
            const qsizetype nameStart = i;
            while (i < line.size() && isNameChar(line[i], i == nameStart))
                ++i;
            if (i == nameStart || i + 1 >= line.size() || line[i] != '=' || line[i + 1] != '"') {
                *error = QStringLiteral("malformed label");
                return false;
            }
            const QByteArrayView labelName = line.sliced(nameStart, i - nameStart);
            i += 2;
            const qsizetype valueStart = i;
            while (i < line.size() && line[i] != '"') {
                if (line[i] == '\\')
                    ++i;
                ++i;
            }
            if (i >= line.size()) {
                *error = QStringLiteral("unterminated label value");
                return false;
            }
            labels->push_back({std::string(labelName.data(), size_t(labelName.size())),
                unescape(line.sliced(valueStart, i - valueStart), true)});
            ++i; // closing quote
        }
    }
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
        ++i;
    qsizetype end = i;
    while (end < line.size() && line[end] != ' ' && line[end] != '\t')
        ++end;
    if (!PrometheusTextParser::parseValue(line.sliced(i, end - i), value)) {
        *error = QStringLiteral("bad sample value");
        return false;
    }
    return true; // an optional timestamp may follow; the dashboard uses the scrape time instead
}

bool endsWith(const std::string &s, std::string_view suffix)
{
    return s.size() > suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

} // namespace

bool PrometheusTextParser::parseValue(QByteArrayView text, double *value)
{
    if (text == "+Inf" || text == "Inf") {
        *value = std::numeric_limits<double>::infinity();
        return true;
    }
    if (text == "-Inf") {
        *value = -std::numeric_limits<double>::infinity();
        return true;
    }
    if (text == "NaN") {
        *value = std::numeric_limits<double>::quiet_NaN();
        return true;
    }
    bool ok = false;
    // QByteArray::toDouble is locale independent (always '.').
    *value = text.toByteArray().toDouble(&ok);
    return ok && !text.isEmpty();
}

PrometheusTextParser::Result PrometheusTextParser::parse(const QByteArray &text, qint64 takenAtMs)
{
    Result result;
    auto &families = result.snapshot.families;
    std::unordered_map<std::string, size_t> byName;
    // Series of histograms and summaries are spread over several lines: find them by their labels.
    std::unordered_map<std::string, size_t> seriesIndex; // family index + labels → metric index

    const auto familyFor = [&](const std::string &name) -> size_t {
        auto it = byName.find(name);
        if (it != byName.end())
            return it->second;
        families.push_back({name, {}, MetricType::Untyped, {}});
        byName.emplace(name, families.size() - 1);
        return families.size() - 1;
    };

    int lineNumber = 0;
    const QByteArrayView all(text);
    for (qsizetype start = 0; start < all.size();) {
        qsizetype end = all.indexOf('\n', start);
        if (end < 0)
            end = all.size();
        QByteArrayView line = all.sliced(start, end - start).trimmed();
        start = end + 1;
        ++lineNumber;
        if (line.isEmpty())
            continue;
        if (line.startsWith('#')) {
            const QByteArrayView rest = line.sliced(1).trimmed();
            const bool help = rest.startsWith("HELP ");
            if (!help && !rest.startsWith("TYPE "))
                continue; // a plain comment
            const QByteArrayView body = rest.sliced(5).trimmed();
            const qsizetype space = body.indexOf(' ');
            const QByteArrayView name = space < 0 ? body : body.first(space);
            const QByteArrayView tail = space < 0 ? QByteArrayView() : body.sliced(space + 1);
            MetricFamily &family = families[familyFor(std::string(name.data(), size_t(name.size())))];
            if (help)
                family.help = unescape(tail, false);
            else
                family.type = typeFromName(tail.trimmed());
            continue;
        }
        std::string name;
        std::vector<ClientMetric::Label> labels;
        double value = 0;
        QString error;
        if (!parseSample(line, &name, &labels, &value, &error)) {
            result.errors.append(QStringLiteral("line %1: %2").arg(lineNumber).arg(error));
            continue;
        }
        // Which family: the exact name, or a histogram/summary one with a _bucket/_sum/_count suffix.
        std::string familyName = name;
        std::string_view suffix;
        for (std::string_view s : {std::string_view("_bucket"), std::string_view("_sum"), std::string_view("_count")}) {
            if (!endsWith(name, s))
                continue;
            const std::string base = name.substr(0, name.size() - s.size());
            auto it = byName.find(base);
            if (it != byName.end()
                && (families[it->second].type == MetricType::Histogram
                    || families[it->second].type == MetricType::Summary)) {
                familyName = base;
                suffix = s;
            }
            break;
        }
        const size_t familyIndex = familyFor(familyName);
        MetricFamily &family = families[familyIndex];

        std::string extra; // the le / quantile label, which is not part of the series identity
        double extraValue = 0;
        if ((family.type == MetricType::Histogram && suffix == "_bucket")
            || (family.type == MetricType::Summary && suffix.empty())) {
            const char *extraName = family.type == MetricType::Histogram ? "le" : "quantile";
            for (auto it = labels.begin(); it != labels.end(); ++it) {
                if (it->name == extraName) {
                    extra = it->value;
                    labels.erase(it);
                    break;
                }
            }
            if (extra.empty() || !parseValue(QByteArrayView(extra.data(), qsizetype(extra.size())), &extraValue)) {
                result.errors.append(
                    QStringLiteral("line %1: missing %2 label").arg(lineNumber).arg(QLatin1String(extraName)));
                continue;
            }
        }

        ClientMetric *metric = nullptr;
        if (family.type == MetricType::Histogram || family.type == MetricType::Summary) {
            std::string key = std::to_string(familyIndex);
            for (const auto &l : labels)
                key += '\x1f' + l.name + '\x1e' + l.value;
            auto it = seriesIndex.find(key);
            if (it == seriesIndex.end()) {
                family.metric.push_back({});
                family.metric.back().label = labels;
                it = seriesIndex.emplace(key, family.metric.size() - 1).first;
            }
            metric = &family.metric[it->second];
        } else {
            family.metric.push_back({});
            metric = &family.metric.back();
            metric->label = std::move(labels);
        }

        switch (family.type) {
        case MetricType::Counter:
            metric->counter.value = value;
            break;
        case MetricType::Gauge:
            metric->gauge.value = value;
            break;
        case MetricType::Untyped:
            metric->untyped.value = value;
            break;
        case MetricType::Histogram:
            if (suffix == "_bucket") {
                if (!std::isinf(extraValue)) // the +Inf bucket equals _count; the serializer adds it back
                    metric->histogram.bucket.push_back({std::uint64_t(value), extraValue});
            } else if (suffix == "_sum") {
                metric->histogram.sample_sum = value;
            } else {
                metric->histogram.sample_count = std::uint64_t(value);
            }
            break;
        case MetricType::Summary:
            if (suffix == "_sum")
                metric->summary.sample_sum = value;
            else if (suffix == "_count")
                metric->summary.sample_count = std::uint64_t(value);
            else
                metric->summary.quantile.push_back({extraValue, value});
            break;
        }
    }
    result.snapshot.takenAtMs = takenAtMs ? takenAtMs : QDateTime::currentMSecsSinceEpoch();
    return result;
}

} // namespace qsoketi
