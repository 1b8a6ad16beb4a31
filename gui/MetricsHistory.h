// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <array>
#include <optional>

#include <QHash>
#include <QList>
#include <QPointF>
#include <QString>
#include <QStringList>

#include "RingBuffer.h"
#include "metrics/MetricsSnapshot.h"

namespace qsoketi {

// The charts' memory: one bounded ring buffer per (app, series), fed with registry snapshots (or parsed
// remote scrapes). Gauges are stored as read; counters become per-second rates between two snapshots,
// so the dashboard never counts anything itself. Pure logic, no widgets.
class MetricsHistory
{
public:
    enum Series
    {
        Connected,
        NewConnections,
        Disconnections,
        WsMessagesIn,
        WsMessagesOut,
        BytesIn,
        BytesOut,
        ApiCalls,
        SeriesCount
    };
    struct Sample
    {
        qint64 timeMs = 0;
        double value = 0;
    };

    // 3600 one-second samples = the longest range (1 h) at full resolution.
    static constexpr qsizetype defaultCapacity = 3600;
    // Remote nodes may expose many apps; beyond this many the extra apps only count in "all apps".
    static constexpr int maxApps = 64;

    explicit MetricsHistory(qsizetype capacity = defaultCapacity);

    // Key of the sum over every app.
    static QString allApps() { return QString(); }
    static QString seriesName(Series series);
    // The soketi family base name a series is read from ("connected", "new_connections_total", …).
    static const char *familyBaseName(Series series);
    // True if `familyName` is `base` under any prefix: soketi_connected and soketi_6001_connected both match.
    static bool familyMatches(const std::string &familyName, const char *base);

    void addSnapshot(const MetricsSnapshot &snapshot);
    // Samples shown before (read back from the stored history), older than any live one: (ms, value).
    void restore(const QString &app, Series series, const QList<QPointF> &samples);
    void clear();

    QStringList appIds() const; // sorted, without the all-apps key
    const RingBuffer<Sample> *samples(const QString &app, Series series) const;
    std::optional<double> latest(const QString &app, Series series) const;
    // Samples of the last `rangeMs` before `nowMs` as chart points (x = ms since epoch), averaged into at
    // most `maxPoints` buckets so an hour of data is cheap to draw.
    QList<QPointF> points(const QString &app, Series series, qint64 rangeMs, qint64 nowMs, int maxPoints = 600) const;
    qint64 lastSnapshotMs() const { return m_lastMs; }

private:
    using Values = std::array<double, SeriesCount>;
    struct AppHistory
    {
        explicit AppHistory(qsizetype capacity = 1);
        std::array<RingBuffer<Sample>, SeriesCount> series;
        Values previous{};
        bool hasPrevious = false;
    };

    void record(const QString &app, const Values &values, qint64 timeMs, double seconds);

    qsizetype m_capacity;
    QHash<QString, AppHistory> m_apps;
    qint64 m_lastMs = 0;
};

} // namespace qsoketi
