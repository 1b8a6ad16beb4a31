// SPDX-License-Identifier: GPL-3.0-or-later
#include "PrometheusTextParser.h"

#include <cmath>
#include <limits>
#include <optional>
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

bool isMetricName(QByteArrayView name)
{
    for (qsizetype i = 0; i < name.size(); ++i)
        if (!isNameChar(name[i], i == 0))
            return false;
    return !name.isEmpty();
}

bool endsWith(const std::string &s, std::string_view suffix)
{
    return s.size() > suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Bucket and sample counts are unsigned 64-bit in MetricFamily. Converting a negative, NaN, infinite or
// too large double is undefined behaviour, so such a count is refused; a fraction is truncated.
std::optional<std::uint64_t> toCount(double value)
{
    constexpr double twoTo64 = 18446744073709551616.0;
    if (!(value >= 0 && value < twoTo64))
        return std::nullopt;
    return std::uint64_t(value);
}

bool isHistogramOrSummary(MetricType type)
{
    return type == MetricType::Histogram || type == MetricType::Summary;
}

// One sample line as read, before it is stored.
struct Sample
{
    std::string name;
    std::vector<ClientMetric::Label> labels;
    double value = 0;
    std::string_view suffix; // _bucket/_sum/_count of a histogram or summary family, else empty
    double bound = 0; // the le (histogram bucket) or quantile (summary) label's value
};

// The state of one parse: the families read so far, found by name, and the series of histograms and
// summaries, whose samples are spread over several lines.
class ExpositionReader
{
public:
    explicit ExpositionReader(PrometheusTextParser::Result *result)
        : m_result(result)
        , m_families(result->snapshot.families)
    {}

    void readLine(QByteArrayView line, int lineNumber)
    {
        if (line.isEmpty())
            return;
        if (line.startsWith('#'))
            readComment(line.sliced(1).trimmed(), lineNumber);
        else
            readSample(line, lineNumber);
    }

private:
    // "# HELP name text" or "# TYPE name type"; any other comment is ignored.
    void readComment(QByteArrayView rest, int lineNumber)
    {
        const bool help = rest.startsWith("HELP ");
        if (!help && !rest.startsWith("TYPE "))
            return;
        const QByteArrayView body = rest.sliced(5).trimmed();
        const qsizetype space = body.indexOf(' ');
        const QByteArrayView name = space < 0 ? body : body.first(space);
        const QByteArrayView tail = space < 0 ? QByteArrayView() : body.sliced(space + 1);
        // Like a sample's name: anything else (a tab or form feed inside it, nothing at all) would make a
        // family no sample can belong to, and one that reads back as another name once serialised.
        if (!isMetricName(name))
            return addError(lineNumber, QStringLiteral("metric name expected after %1").arg(help ? "HELP" : "TYPE"));
        MetricFamily &family = m_families[familyFor(std::string(name.data(), size_t(name.size())))];
        if (help)
            family.help = unescape(tail, false);
        else
            family.type = typeFromName(tail.trimmed());
    }

    void readSample(QByteArrayView line, int lineNumber)
    {
        Sample sample;
        QString error;
        if (!parseSample(line, &sample.name, &sample.labels, &sample.value, &error))
            return addError(lineNumber, error);
        const size_t familyIndex = familyFor(familyNameOf(sample.name, &sample.suffix));
        const MetricType type = m_families[familyIndex].type;
        if (!takeBoundLabel(type, &sample))
            return addError(lineNumber,
                QStringLiteral("missing %1 label")
                    .arg(QLatin1String(type == MetricType::Histogram ? "le" : "quantile")));
        if (countsSomething(type, sample.suffix) && !toCount(sample.value))
            return addError(lineNumber, QStringLiteral("a count must be a number from 0 to 2^64"));
        store(familyIndex, std::move(sample));
    }

    // The exact name, or a histogram/summary family's name when the sample has one of its suffixes.
    std::string familyNameOf(const std::string &name, std::string_view *suffix) const
    {
        for (std::string_view s : {std::string_view("_bucket"), std::string_view("_sum"), std::string_view("_count")}) {
            if (!endsWith(name, s))
                continue;
            std::string base = name.substr(0, name.size() - s.size());
            auto it = m_byName.find(base);
            if (it != m_byName.end() && isHistogramOrSummary(m_families[it->second].type)) {
                *suffix = s;
                return base;
            }
            break;
        }
        return name;
    }

    // Moves the le (histogram bucket) or quantile (summary) label out of the labels, which then identify
    // the series; false when that label is missing or not a number.
    static bool takeBoundLabel(MetricType type, Sample *sample)
    {
        const bool bucket = type == MetricType::Histogram && sample->suffix == "_bucket";
        const bool quantile = type == MetricType::Summary && sample->suffix.empty();
        if (!bucket && !quantile)
            return true;
        const char *boundName = bucket ? "le" : "quantile";
        std::string bound;
        for (auto it = sample->labels.begin(); it != sample->labels.end(); ++it) {
            if (it->name == boundName) {
                bound = it->value;
                sample->labels.erase(it);
                break;
            }
        }
        return !bound.empty()
            && PrometheusTextParser::parseValue(QByteArrayView(bound.data(), qsizetype(bound.size())), &sample->bound);
    }

    // Whether the sample's value goes into an unsigned 64-bit count.
    static bool countsSomething(MetricType type, std::string_view suffix)
    {
        return (type == MetricType::Histogram && (suffix == "_bucket" || suffix == "_count"))
            || (type == MetricType::Summary && suffix == "_count");
    }

    void store(size_t familyIndex, Sample &&sample)
    {
        MetricFamily &family = m_families[familyIndex];
        ClientMetric &metric = seriesFor(familyIndex, std::move(sample.labels));
        const double value = sample.value;
        switch (family.type) {
        case MetricType::Counter:
            metric.counter.value = value;
            break;
        case MetricType::Gauge:
            metric.gauge.value = value;
            break;
        case MetricType::Untyped:
            metric.untyped.value = value;
            break;
        case MetricType::Histogram:
            if (sample.suffix == "_bucket") {
                if (!std::isinf(sample.bound)) // the +Inf bucket equals _count; the serializer adds it back
                    metric.histogram.bucket.push_back({*toCount(value), sample.bound});
            } else if (sample.suffix == "_sum") {
                metric.histogram.sample_sum = value;
            } else {
                metric.histogram.sample_count = *toCount(value);
            }
            break;
        case MetricType::Summary:
            if (sample.suffix == "_sum")
                metric.summary.sample_sum = value;
            else if (sample.suffix == "_count")
                metric.summary.sample_count = *toCount(value);
            else
                metric.summary.quantile.push_back({sample.bound, value});
            break;
        }
    }

    // Counters, gauges and untyped samples are one series per line; a histogram's or summary's lines
    // with the same labels (le/quantile removed) are one series.
    ClientMetric &seriesFor(size_t familyIndex, std::vector<ClientMetric::Label> &&labels)
    {
        MetricFamily &family = m_families[familyIndex];
        if (!isHistogramOrSummary(family.type)) {
            family.metric.push_back({});
            family.metric.back().label = std::move(labels);
            return family.metric.back();
        }
        std::string key = std::to_string(familyIndex);
        for (const auto &l : labels)
            key += '\x1f' + l.name + '\x1e' + l.value;
        auto it = m_seriesIndex.find(key);
        if (it == m_seriesIndex.end()) {
            family.metric.push_back({});
            family.metric.back().label = std::move(labels);
            it = m_seriesIndex.emplace(key, family.metric.size() - 1).first;
        }
        return family.metric[it->second];
    }

    size_t familyFor(const std::string &name)
    {
        auto it = m_byName.find(name);
        if (it != m_byName.end())
            return it->second;
        m_families.push_back({name, {}, MetricType::Untyped, {}});
        m_byName.emplace(name, m_families.size() - 1);
        return m_families.size() - 1;
    }

    void addError(int lineNumber, const QString &error)
    {
        m_result->errors.append(QStringLiteral("line %1: %2").arg(lineNumber).arg(error));
    }

    PrometheusTextParser::Result *m_result;
    std::vector<MetricFamily> &m_families;
    std::unordered_map<std::string, size_t> m_byName;
    std::unordered_map<std::string, size_t> m_seriesIndex; // family index + labels → metric index
};

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
    ExpositionReader reader(&result);
    int lineNumber = 0;
    const QByteArrayView all(text);
    for (qsizetype start = 0; start < all.size();) {
        qsizetype end = all.indexOf('\n', start);
        if (end < 0)
            end = all.size();
        reader.readLine(all.sliced(start, end - start).trimmed(), ++lineNumber);
        start = end + 1;
    }
    result.snapshot.takenAtMs = takenAtMs ? takenAtMs : QDateTime::currentMSecsSinceEpoch();
    return result;
}

} // namespace qsoketi
