// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QPointF>
#include <QWidget>

class QChart;
class QChartView;
class QDateTimeAxis;
class QLineSeries;
class QCategoryAxis;

namespace qsoketi {

// The one widget that knows the chart library (Qt Charts today; it is deprecated from Qt 6.10, so
// everything else talks to this seam only): a titled time chart of a few named lines.
class MetricsPlotWidget : public QWidget
{
    Q_OBJECT

public:
    explicit MetricsPlotWidget(const QString &title, const QStringList &seriesNames, QWidget *parent = nullptr);
    ~MetricsPlotWidget() override;

    // Points are (ms since epoch, value); the x axis spans [fromMs, toMs].
    void setSeriesPoints(int series, const QList<QPointF> &points);
    void setTimeRange(qint64 fromMs, qint64 toMs);
    int seriesCount() const { return int(m_series.size()); }
    QString title() const { return m_title; }
    QString seriesName(int series) const;
    // Qt Charts' dark theme on a dark palette, the light one otherwise (points and ranges are kept).
    void setDark(bool dark);
    bool isDark() const { return m_dark; }
    // The y axis' tick labels, bottom to top ("0", "10k", "20k"…).
    QStringList axisLabels() const;
    // 1234 → "1234", 20000 → "20k", 1500000 → "1.5M": the chart titles' style.
    static QString shortNumber(double value);
    QList<QPointF> seriesPoints(int series) const;
    // Latest values in the title, e.g. "Messages/s — in 12, out 40".
    void setSummary(const QString &summary);

private:
    void rescaleY();

    QString m_title;
    QChart *m_chart;
    QChartView *m_view;
    QDateTimeAxis *m_x;
    QCategoryAxis *m_y; // a value axis whose tick labels are ours: 20k, 1.5M, like the titles
    QList<QLineSeries *> m_series;
    bool m_dark = false;
};

} // namespace qsoketi
