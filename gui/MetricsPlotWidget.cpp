// SPDX-License-Identifier: GPL-3.0-or-later
#include "MetricsPlotWidget.h"

#include <cmath>

#include <QCategoryAxis>
#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QLineSeries>
#include <QVBoxLayout>

namespace qsoketi {

MetricsPlotWidget::MetricsPlotWidget(const QString &title, const QStringList &seriesNames, QWidget *parent)
    : QWidget(parent)
    , m_title(title)
    , m_chart(new QChart)
    , m_view(new QChartView(m_chart, this))
    , m_x(new QDateTimeAxis)
    , m_y(new QCategoryAxis)
{
    m_chart->setTitle(title);
    m_chart->setAnimationOptions(QChart::NoAnimation); // redrawn every second: animations only cost CPU
    m_chart->legend()->setVisible(seriesNames.size() > 1);
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_chart->setMargins(QMargins(4, 4, 4, 4));
    m_x->setFormat(QStringLiteral("HH:mm:ss"));
    m_x->setTickCount(5);
    m_y->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    m_y->setRange(0, 1);
    m_chart->addAxis(m_x, Qt::AlignBottom);
    m_chart->addAxis(m_y, Qt::AlignLeft);
    for (const QString &name : seriesNames) {
        auto *series = new QLineSeries;
        series->setName(name);
        m_chart->addSeries(series);
        series->attachAxis(m_x);
        series->attachAxis(m_y);
        m_series.append(series);
    }
    m_view->setRenderHint(QPainter::Antialiasing);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    setTimeRange(now - 60000, now);
}

MetricsPlotWidget::~MetricsPlotWidget() = default;

void MetricsPlotWidget::setSeriesPoints(int series, const QList<QPointF> &points)
{
    if (series < 0 || series >= m_series.size())
        return;
    m_series[series]->replace(points); // one repaint, not one per point
    rescaleY();
}

QList<QPointF> MetricsPlotWidget::seriesPoints(int series) const
{
    return series >= 0 && series < m_series.size() ? m_series[series]->points() : QList<QPointF>();
}

QString MetricsPlotWidget::seriesName(int series) const
{
    return series >= 0 && series < m_series.size() ? m_series[series]->name() : QString();
}

void MetricsPlotWidget::setDark(bool dark)
{
    if (dark == m_dark)
        return;
    m_dark = dark;
    // A theme resets the title font and the series pens, not the data; the title text is kept.
    const QString title = m_chart->title();
    m_chart->setTheme(dark ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    m_chart->setTitle(title);
}

QStringList MetricsPlotWidget::axisLabels() const
{
    return m_y->categoriesLabels();
}

QString MetricsPlotWidget::shortNumber(double value)
{
    // Returns QString, not auto: a QStringBuilder would outlive the local it refers to.
    const auto trimmed = [](double v, const char *unit) -> QString {
        return QString::number(v, 'f', v < 10 && v != std::floor(v) ? 1 : 0) + QLatin1String(unit);
    };
    if (value >= 1e6)
        return trimmed(value / 1e6, "M");
    if (value >= 1e4)
        return trimmed(value / 1e3, "k");
    return QString::number(value, 'g', 4);
}

void MetricsPlotWidget::setTimeRange(qint64 fromMs, qint64 toMs)
{
    m_x->setRange(QDateTime::fromMSecsSinceEpoch(fromMs), QDateTime::fromMSecsSinceEpoch(toMs));
    const qint64 span = toMs - fromMs;
    m_x->setFormat(span > 2LL * 24 * 3600 * 1000 ? QStringLiteral("ddd HH:mm")
            : span > 5 * 60 * 1000               ? QStringLiteral("HH:mm")
                                                 : QStringLiteral("HH:mm:ss"));
}

void MetricsPlotWidget::setSummary(const QString &summary)
{
    m_chart->setTitle(summary.isEmpty() ? m_title : m_title + QStringLiteral(" — ") + summary);
}

void MetricsPlotWidget::rescaleY()
{
    double max = 0;
    for (const QLineSeries *series : std::as_const(m_series))
        for (const QPointF &p : series->points())
            max = std::max(max, p.y());
    // A "nice" upper bound (1, 2, 5 × 10^n) so the axis does not jitter with every sample, with a tick
    // count that puts the grid on round numbers (0, 2, 4 … 10; 0, 5 … 20; 0, 1 … 5).
    double nice = 1;
    double mantissa = 1;
    if (max > 0) {
        const double magnitude = std::pow(10.0, std::floor(std::log10(max)));
        for (double step : {1.0, 2.0, 5.0, 10.0}) {
            nice = step * magnitude;
            mantissa = step == 10.0 ? 1.0 : step;
            if (nice >= max * 1.05)
                break;
        }
    }
    if (m_y->max() != nice || m_y->count() == 0) {
        m_y->setRange(0, nice);
        // The grid on round numbers (0, 2, 4 … 10; 0, 5 … 20; 0, 1 … 5), labelled like the titles.
        const int ticks = mantissa == 2.0 ? 4 : 5;
        for (const QString &label : m_y->categoriesLabels())
            m_y->remove(label);
        for (int i = 0; i <= ticks; ++i)
            m_y->append(shortNumber(nice * i / ticks), nice * i / ticks);
    }
}

} // namespace qsoketi
