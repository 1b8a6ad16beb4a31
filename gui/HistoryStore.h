// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QObject>
#include <QPointF>
#include <QString>
#include <QTimer>

namespace qsoketi {

// The charts' history across restarts: a copy of the samples the charts showed (from registry snapshots),
// kept in an embedded SQLite file. Bounded and downsampled: 1 s rows for the last hour, 1 min rows (the
// average of a minute's 1 s rows) for the last week; older rows are deleted. Writes are queued and done
// every few seconds in one transaction (WAL, synchronous=NORMAL: no fsync per commit), so the window's
// event loop pays a few milliseconds every few seconds, not a disk write per sample.
class HistoryStore : public QObject
{
    Q_OBJECT

public:
    enum Resolution
    {
        Seconds = 0,
        Minutes = 1
    };
    struct Row
    {
        QString app;
        int series = 0;
        qint64 timeMs = 0;
        double value = 0;
    };
    static constexpr qint64 secondsKeptMs = 60LL * 60 * 1000;
    static constexpr qint64 minutesKeptMs = 7LL * 24 * 60 * 60 * 1000;
    static constexpr int flushIntervalMs = 5000;
    // A window that cannot write (disk full) must not grow without bound either.
    static constexpr int maxPendingRows = 100000;

    // <AppDataLocation>/history-<port>.sqlite: one history per server port, so two servers on one machine
    // never mix (QStandardPaths' test mode moves it for tests).
    static QString defaultPath(quint16 port);

    explicit HistoryStore(const QString &path, QObject *parent = nullptr);
    ~HistoryStore() override; // writes what is queued

    bool isOpen() const { return m_open; }
    QString path() const { return m_path; }
    QString errorString() const { return m_error; }

    // Queued; written by the next flush (the timer flushes every flushIntervalMs).
    void append(const QString &app, int series, qint64 timeMs, double value);
    // One transaction: the queued rows, the minutes completed before `nowMs` downsampled, old rows deleted.
    bool flush(qint64 nowMs = 0);
    qsizetype pendingCount() const { return m_pending.size(); }
    qint64 lastFlushMicroseconds() const { return m_lastFlushUs; }

    // Stored rows of one series in [fromMs, toMs], in time order.
    QList<QPointF> samples(Resolution resolution, const QString &app, int series, qint64 fromMs, qint64 toMs) const;
    // Chart points of [fromMs, toMs], averaged into at most maxPoints buckets: 1 s rows when the range lies
    // within the last hour before `nowMs`, 1 min rows otherwise.
    QList<QPointF> points(
        const QString &app, int series, qint64 fromMs, qint64 toMs, qint64 nowMs, int maxPoints = 600) const;
    qint64 rowCount(Resolution resolution) const;
    QStringList appIds() const;

private:
    bool exec(const QString &sql);

    QString m_path;
    QString m_connection;
    QString m_error;
    bool m_open = false;
    QList<Row> m_pending;
    qint64 m_downsampledUntil = 0;
    qint64 m_lastFlushUs = 0;
    QTimer m_flushTimer;
};

} // namespace qsoketi
