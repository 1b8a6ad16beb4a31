// SPDX-License-Identifier: GPL-3.0-or-later
#include "ChartsPanel.h"

#include <cmath>

#include <QDateTime>
#include <QEvent>
#include <QFile>
#include <QFileDialog>
#include <QGridLayout>
#include <QPalette>
#include <QPixmap>
#include <QTextStream>
#include <QToolBar>

#include "HistoryStore.h"
#include "MetricsPlotWidget.h"

namespace qsoketi {

namespace {

using S = MetricsHistory;

QString formatRate(double value)
{
    if (value >= 1e6)
        return QString::number(value / 1e6, 'f', 1) + QLatin1Char('M');
    if (value >= 1e4)
        return QString::number(value / 1e3, 'f', 1) + QLatin1Char('k');
    return QString::number(value, 'f', value == std::floor(value) || value >= 100 ? 0 : 1);
}

// Each chart's lines: the series and the short label its current value gets in the chart title.
struct Line
{
    S::Series series;
    const char *label;
};
const QList<QList<Line>> &plotLines()
{
    static const QList<QList<Line>> lines{{{S::Connected, ""}},
        {{S::NewConnections, "new"}, {S::Disconnections, "gone"}}, {{S::WsMessagesIn, "in"}, {S::WsMessagesOut, "out"}},
        {{S::BytesIn, "in"}, {S::BytesOut, "out"}}, {{S::ApiCalls, ""}}};
    return lines;
}

} // namespace

ChartsPanel::ChartsPanel(MetricsHistory &history, HistoryStore *store, QWidget *parent)
    : QWidget(parent)
    , m_history(history)
    , m_store(store)
{
    auto *grid = new QGridLayout(this);
    m_plots[ConnectedPlot] = new MetricsPlotWidget(tr("Connected sockets"), {S::seriesName(S::Connected)}, this);
    m_plots[ConnectionsPlot] =
        new MetricsPlotWidget(tr("Connections/s"), {tr("new connections"), tr("disconnections")}, this);
    m_plots[MessagesPlot] = new MetricsPlotWidget(tr("WebSocket messages/s"), {tr("in"), tr("out")}, this);
    m_plots[BytesPlot] = new MetricsPlotWidget(tr("Bytes/s"), {tr("in"), tr("out")}, this);
    m_plots[ApiCallsPlot] = new MetricsPlotWidget(tr("REST API calls/s"), {S::seriesName(S::ApiCalls)}, this);
    grid->addWidget(m_plots[ConnectedPlot], 0, 0);
    grid->addWidget(m_plots[ConnectionsPlot], 0, 1);
    grid->addWidget(m_plots[MessagesPlot], 1, 0);
    grid->addWidget(m_plots[BytesPlot], 1, 1);
    grid->addWidget(m_plots[ApiCallsPlot], 2, 0, 1, 2);
    followPalette();
}

qint64 ChartsPanel::rangeMs(Range range)
{
    switch (range) {
    case OneMinute:
        return 60 * 1000;
    case FifteenMinutes:
        return 15 * 60 * 1000;
    case OneHour:
        return 60 * 60 * 1000;
    case OneDay:
        return 24LL * 60 * 60 * 1000;
    case SevenDays:
    case RangeCount:
        break;
    }
    return 7LL * 24 * 60 * 60 * 1000;
}

QString ChartsPanel::rangeName(Range range)
{
    switch (range) {
    case OneMinute:
        return tr("1 min");
    case FifteenMinutes:
        return tr("15 min");
    case OneHour:
        return tr("1 h");
    case OneDay:
        return tr("24 h");
    case SevenDays:
    case RangeCount:
        break;
    }
    return tr("7 d");
}

QList<QPointF> ChartsPanel::storedPoints(Range range, const QString &app, MetricsHistory::Series series, qint64 nowMs)
{
    const QString key = QString::number(int(range)) + QLatin1Char('/') + app;
    if (key != m_cacheKey || nowMs - m_cacheReadMs >= storeRereadMs || nowMs < m_cacheReadMs) {
        m_cacheKey = key;
        m_cacheReadMs = nowMs;
        for (int s = 0; s < S::SeriesCount; ++s)
            m_cache[size_t(s)] = m_store->points(app, s, nowMs - rangeMs(range), nowMs, nowMs);
    }
    return m_cache[size_t(series)];
}

void ChartsPanel::redraw(Range range, const QString &app, qint64 nowMs)
{
    const qint64 span = rangeMs(range);
    const bool stored = range > OneHour && m_store && m_store->isOpen();
    for (int plot = 0; plot < PlotCount; ++plot) {
        MetricsPlotWidget *widget = m_plots[size_t(plot)];
        widget->setTimeRange(nowMs - span, nowMs);
        int i = 0;
        QStringList summary;
        for (const Line &line : plotLines()[plot]) {
            widget->setSeriesPoints(i++,
                stored ? storedPoints(range, app, line.series, nowMs)
                       : m_history.points(app, line.series, span, nowMs));
            const QString value = formatRate(m_history.latest(app, line.series).value_or(0));
            summary.append(*line.label ? QString::fromLatin1(line.label) + QLatin1Char(' ') + value : value);
        }
        widget->setSummary(summary.join(QStringLiteral(", ")));
    }
}

void ChartsPanel::storeSamplesAt(qint64 timeMs)
{
    if (!m_store)
        return;
    QStringList apps = m_history.appIds();
    apps.prepend(MetricsHistory::allApps());
    for (const QString &app : std::as_const(apps)) {
        for (int s = 0; s < S::SeriesCount; ++s) {
            const RingBuffer<S::Sample> *buffer = m_history.samples(app, S::Series(s));
            if (buffer && !buffer->isEmpty() && buffer->last().timeMs == timeMs)
                m_store->append(app, s, timeMs, buffer->last().value);
        }
    }
}

int ChartsPanel::restoreFromStore(qint64 nowMs)
{
    if (!m_store || !m_store->isOpen())
        return 0;
    int count = 0;
    QStringList apps = m_store->appIds();
    apps.prepend(MetricsHistory::allApps());
    for (const QString &app : std::as_const(apps)) {
        for (int s = 0; s < S::SeriesCount; ++s) {
            const QList<QPointF> samples =
                m_store->samples(HistoryStore::Seconds, app, s, nowMs - HistoryStore::secondsKeptMs, nowMs);
            m_history.restore(app, S::Series(s), samples);
            count += int(samples.size());
        }
    }
    return count;
}

bool ChartsPanel::exportCsv(const QString &path) const
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text))
        return false;
    QTextStream out(&file);
    out << "time,chart,series,value\n";
    const auto quoted = [](QString text) {
        text.replace(QLatin1Char('"'), QStringLiteral("\"\""));
        text.prepend(QLatin1Char('"'));
        text.append(QLatin1Char('"'));
        return text;
    };
    for (const MetricsPlotWidget *plot : m_plots)
        for (int i = 0; i < plot->seriesCount(); ++i)
            for (const QPointF &p : plot->seriesPoints(i))
                out << QDateTime::fromMSecsSinceEpoch(qint64(p.x()), Qt::UTC).toString(Qt::ISODateWithMs) << ','
                    << quoted(plot->title()) << ',' << quoted(plot->seriesName(i)) << ','
                    << QString::number(p.y(), 'g', 10) << '\n';
    out.flush();
    return file.error() == QFile::NoError;
}

bool ChartsPanel::exportPng(const QString &path)
{
    return grab().save(path, "PNG");
}

void ChartsPanel::exportCsvAs()
{
    const QString name =
        QStringLiteral("qsoketi-%1.csv").arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss")));
    const QString path = QFileDialog::getSaveFileName(this, tr("Export charts as CSV"), name, tr("CSV (*.csv)"));
    if (!path.isEmpty())
        emit exported(exportCsv(path) ? tr("Saved %1").arg(path) : tr("Could not write %1").arg(path));
}

void ChartsPanel::exportPngAs()
{
    const QString name =
        QStringLiteral("qsoketi-%1.png").arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss")));
    const QString path = QFileDialog::getSaveFileName(this, tr("Save charts as PNG"), name, tr("PNG image (*.png)"));
    if (!path.isEmpty())
        emit exported(exportPng(path) ? tr("Saved %1").arg(path) : tr("Could not write %1").arg(path));
}

void ChartsPanel::addExportActions(QToolBar *bar)
{
    QAction *csv = bar->addAction(tr("Export CSV…"), this, &ChartsPanel::exportCsvAs);
    csv->setToolTip(tr("Save the points of the visible range as CSV"));
    QAction *png = bar->addAction(tr("Save PNG…"), this, &ChartsPanel::exportPngAs);
    png->setToolTip(tr("Save the charts as shown as a PNG image"));
}

void ChartsPanel::followPalette()
{
    const bool dark = palette().color(QPalette::Window).lightness() < 128;
    for (MetricsPlotWidget *plot : m_plots)
        plot->setDark(dark);
}

void ChartsPanel::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::ApplicationPaletteChange)
        followPalette();
    QWidget::changeEvent(event);
}

} // namespace qsoketi
