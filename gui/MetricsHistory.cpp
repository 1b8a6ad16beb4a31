// SPDX-License-Identifier: GPL-3.0-or-later
#include "MetricsHistory.h"

#include <algorithm>
#include <cmath>

namespace qsoketi {

namespace {

double sampleValue(const prometheus::MetricFamily &family, const prometheus::ClientMetric &metric)
{
    switch (family.type) {
    case prometheus::MetricType::Counter:
        return metric.counter.value;
    case prometheus::MetricType::Gauge:
        return metric.gauge.value;
    case prometheus::MetricType::Untyped:
        return metric.untyped.value;
    default:
        return 0;
    }
}

QString appIdOf(const prometheus::ClientMetric &metric)
{
    for (const auto &label : metric.label)
        if (label.name == "app_id")
            return QString::fromStdString(label.value);
    return QString();
}

} // namespace

MetricsHistory::AppHistory::AppHistory(qsizetype capacity)
    : series{RingBuffer<Sample>(capacity), RingBuffer<Sample>(capacity), RingBuffer<Sample>(capacity),
        RingBuffer<Sample>(capacity), RingBuffer<Sample>(capacity), RingBuffer<Sample>(capacity),
        RingBuffer<Sample>(capacity), RingBuffer<Sample>(capacity)}
{}

MetricsHistory::MetricsHistory(qsizetype capacity)
    : m_capacity(capacity)
{}

QString MetricsHistory::seriesName(Series series)
{
    switch (series) {
    case Connected:
        return QStringLiteral("Connected sockets");
    case NewConnections:
        return QStringLiteral("New connections/s");
    case Disconnections:
        return QStringLiteral("Disconnections/s");
    case WsMessagesIn:
        return QStringLiteral("WS messages in/s");
    case WsMessagesOut:
        return QStringLiteral("WS messages out/s");
    case BytesIn:
        return QStringLiteral("Bytes in/s");
    case BytesOut:
        return QStringLiteral("Bytes out/s");
    case ApiCalls:
        return QStringLiteral("API calls/s");
    case SeriesCount:
        break;
    }
    return QString();
}

const char *MetricsHistory::familyBaseName(Series series)
{
    static const char *names[SeriesCount] = {"connected", "new_connections_total", "new_disconnections_total",
        "ws_messages_received_total", "ws_messages_sent_total", "socket_received_bytes", "socket_transmitted_bytes",
        "http_calls_received_total"};
    return names[series];
}

bool MetricsHistory::familyMatches(const std::string &familyName, const char *base)
{
    const std::string_view b(base);
    if (familyName == b)
        return true;
    return familyName.size() > b.size() + 1 && familyName.compare(familyName.size() - b.size(), b.size(), b) == 0
        && familyName[familyName.size() - b.size() - 1] == '_';
}

void MetricsHistory::addSnapshot(const MetricsSnapshot &snapshot)
{
    QHash<QString, Values> perApp;
    Values all{};
    for (const auto &family : snapshot.families) {
        int series = -1;
        for (int s = 0; s < SeriesCount; ++s) {
            if (familyMatches(family.name, familyBaseName(Series(s)))) {
                series = s;
                break;
            }
        }
        if (series < 0)
            continue;
        for (const auto &metric : family.metric) {
            const double value = sampleValue(family, metric);
            if (!std::isfinite(value))
                continue;
            all[size_t(series)] += value;
            const QString app = appIdOf(metric);
            if (!app.isEmpty() && (perApp.contains(app) || perApp.size() < maxApps)) {
                auto it = perApp.find(app);
                if (it == perApp.end())
                    it = perApp.insert(app, Values{});
                (*it)[size_t(series)] += value;
            }
        }
    }
    const double seconds = m_lastMs > 0 ? double(snapshot.takenAtMs - m_lastMs) / 1000.0 : 0;
    record(allApps(), all, snapshot.takenAtMs, seconds);
    for (auto it = perApp.cbegin(); it != perApp.cend(); ++it)
        record(it.key(), it.value(), snapshot.takenAtMs, seconds);
    m_lastMs = snapshot.takenAtMs;
}

void MetricsHistory::record(const QString &app, const Values &values, qint64 timeMs, double seconds)
{
    auto it = m_apps.find(app);
    if (it == m_apps.end()) {
        if (m_apps.size() > maxApps)
            return;
        it = m_apps.insert(app, AppHistory(m_capacity));
    }
    AppHistory &h = *it;
    h.series[Connected].push({timeMs, values[Connected]});
    if (h.hasPrevious && seconds > 0) {
        for (int s = NewConnections; s < SeriesCount; ++s) {
            const double now = values[size_t(s)];
            const double before = h.previous[size_t(s)];
            // A counter that went down was reset (remote node restarted): count from zero, as rate() does.
            const double delta = now >= before ? now - before : now;
            h.series[size_t(s)].push({timeMs, delta / seconds});
        }
    }
    h.previous = values;
    h.hasPrevious = true;
}

void MetricsHistory::restore(const QString &app, Series series, const QList<QPointF> &samples)
{
    auto it = m_apps.find(app);
    if (it == m_apps.end()) {
        if (m_apps.size() > maxApps)
            return;
        it = m_apps.insert(app, AppHistory(m_capacity));
    }
    RingBuffer<Sample> &buffer = it->series[size_t(series)];
    if (!buffer.isEmpty())
        return; // live samples came first: restored ones would break the time order
    for (const QPointF &p : samples)
        buffer.push({qint64(p.x()), p.y()});
}

void MetricsHistory::clear()
{
    m_apps.clear();
    m_lastMs = 0;
}

QStringList MetricsHistory::appIds() const
{
    QStringList ids;
    for (auto it = m_apps.cbegin(); it != m_apps.cend(); ++it)
        if (!it.key().isEmpty())
            ids.append(it.key());
    ids.sort();
    return ids;
}

const RingBuffer<MetricsHistory::Sample> *MetricsHistory::samples(const QString &app, Series series) const
{
    const auto it = m_apps.constFind(app);
    return it == m_apps.cend() ? nullptr : &it->series[size_t(series)];
}

std::optional<double> MetricsHistory::latest(const QString &app, Series series) const
{
    const RingBuffer<Sample> *buffer = samples(app, series);
    if (!buffer || buffer->isEmpty())
        return std::nullopt;
    return buffer->last().value;
}

QList<QPointF> MetricsHistory::points(
    const QString &app, Series series, qint64 rangeMs, qint64 nowMs, int maxPoints) const
{
    QList<QPointF> out;
    const RingBuffer<Sample> *buffer = samples(app, series);
    if (!buffer || buffer->isEmpty() || maxPoints < 1)
        return out;
    const qint64 from = nowMs - rangeMs;
    // Samples are in time order: binary search the first one in range.
    qsizetype lo = 0, hi = buffer->size();
    while (lo < hi) {
        const qsizetype mid = (lo + hi) / 2;
        if (buffer->at(mid).timeMs < from)
            lo = mid + 1;
        else
            hi = mid;
    }
    const qsizetype count = buffer->size() - lo;
    if (count <= maxPoints) {
        out.reserve(count);
        for (qsizetype i = lo; i < buffer->size(); ++i)
            out.append(QPointF(double(buffer->at(i).timeMs), buffer->at(i).value));
        return out;
    }
    // Average consecutive samples into time buckets of equal width.
    const double width = double(rangeMs) / maxPoints;
    out.reserve(maxPoints);
    double sumT = 0, sumV = 0;
    int n = 0;
    qint64 bucket = -1;
    for (qsizetype i = lo; i < buffer->size(); ++i) {
        const Sample &s = buffer->at(i);
        const qint64 b = qint64(double(s.timeMs - from) / width);
        if (b != bucket && n > 0) {
            out.append(QPointF(sumT / n, sumV / n));
            sumT = sumV = 0;
            n = 0;
        }
        bucket = b;
        sumT += double(s.timeMs);
        sumV += s.value;
        ++n;
    }
    if (n > 0)
        out.append(QPointF(sumT / n, sumV / n));
    return out;
}

} // namespace qsoketi
