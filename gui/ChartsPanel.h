// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <array>

#include <QList>
#include <QPointF>
#include <QWidget>

#include "MetricsHistory.h"

class QToolBar;

namespace qsoketi {

class HistoryStore;
class MetricsPlotWidget;

// The Charts tab: five time charts drawn from the in-memory MetricsHistory (ranges up to 1 h) or from the
// stored history (24 h, 7 d), plus what ties the two together: a copy of each shown sample goes to the
// store, the last hour is read back from it when the window opens, and the visible range exports as CSV
// (the points drawn) or PNG (the charts as shown). Follows the palette: dark charts on a dark palette.
class ChartsPanel : public QWidget
{
    Q_OBJECT

public:
    enum Range
    {
        OneMinute,
        FifteenMinutes,
        OneHour,
        OneDay,
        SevenDays,
        RangeCount
    };
    enum Plot
    {
        ConnectedPlot,
        ConnectionsPlot,
        MessagesPlot,
        BytesPlot,
        ApiCallsPlot,
        PlotCount
    };
    // The stored 24 h / 7 d points are read again at most this often (a minute row appears once a minute).
    static constexpr qint64 storeRereadMs = 30 * 1000;

    ChartsPanel(MetricsHistory &history, HistoryStore *store, QWidget *parent = nullptr);

    static qint64 rangeMs(Range range);
    static QString rangeName(Range range);
    MetricsPlotWidget *plot(Plot plot) const { return m_plots[plot]; }
    HistoryStore *store() const { return m_store; }

    // Draws [now - range, now] for one app ("" = all apps).
    void redraw(Range range, const QString &app, qint64 nowMs);
    // Queues the samples the history took at `timeMs` (the snapshot just applied) for the store.
    void storeSamplesAt(qint64 timeMs);
    // Fills the in-memory history with the stored last hour (before any live sample); returns samples read.
    int restoreFromStore(qint64 nowMs);
    // The points of every chart as drawn now: time,chart,series,value.
    bool exportCsv(const QString &path) const;
    bool exportPng(const QString &path);
    void followPalette();
    // "Export CSV…" and "Save PNG…" on the window's toolbar.
    void addExportActions(QToolBar *bar);

public slots:
    // Ask for a file name, then export (the menu and toolbar actions).
    void exportCsvAs();
    void exportPngAs();

signals:
    void exported(const QString &message);

protected:
    void changeEvent(QEvent *event) override;

private:
    QList<QPointF> storedPoints(Range range, const QString &app, MetricsHistory::Series series, qint64 nowMs);

    MetricsHistory &m_history;
    HistoryStore *m_store;
    std::array<MetricsPlotWidget *, PlotCount> m_plots{};
    std::array<QList<QPointF>, MetricsHistory::SeriesCount> m_cache;
    QString m_cacheKey; // range + app the cache was read for
    qint64 m_cacheReadMs = 0;
};

} // namespace qsoketi
