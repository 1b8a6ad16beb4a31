// SPDX-License-Identifier: GPL-3.0-or-later
#include "ClusterPanel.h"

#include <QComboBox>
#include <QDateTime>
#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

#include "ClusterMonitor.h"
#include "ClusterNodesModel.h"
#include "MetricsPlotWidget.h"

namespace qsoketi {

ClusterPanel::ClusterPanel(ClusterMonitor *monitor, QWidget *parent)
    : QWidget(parent)
    , m_monitor(monitor)
    , m_model(new ClusterNodesModel(monitor, this))
    , m_table(new QTableView(this))
    , m_url(new QLineEdit(this))
    , m_add(new QPushButton(tr("Add node"), this))
    , m_remove(new QPushButton(tr("Remove"), this))
    , m_mode(new QComboBox(this))
    , m_range(new QComboBox(this))
    , m_summary(new QLabel(this))
    , m_plotRow(new QHBoxLayout)
{
    m_url->setPlaceholderText(tr("http://host:9601/metrics — another qsoketi node or a soketi node"));
    m_url->setClearButtonEnabled(true);
    m_add->setToolTip(tr("Scrape this /metrics URL every second and remember it"));
    m_remove->setToolTip(tr("Stop watching the selected node and forget it"));
    m_mode->addItem(tr("Sum over the cluster"));
    m_mode->addItem(tr("Split by node"));
    m_range->addItem(tr("1 min"), 60 * 1000);
    m_range->addItem(tr("15 min"), 15 * 60 * 1000);

    auto *top = new QHBoxLayout;
    top->addWidget(m_url, 1);
    top->addWidget(m_add);
    top->addWidget(m_remove);
    top->addSpacing(16);
    top->addWidget(new QLabel(tr("Charts"), this));
    top->addWidget(m_mode);
    top->addWidget(m_range);

    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(ClusterNodesModel::NodeColumn, QHeaderView::Stretch);
    m_table->setToolTip(tr("Double-click a node to follow it in the Charts tab"));

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_summary);
    layout->addWidget(m_table, 1);
    layout->addLayout(m_plotRow, 3);

    connect(m_add, &QPushButton::clicked, this, &ClusterPanel::addFromEdit);
    connect(m_url, &QLineEdit::returnPressed, this, &ClusterPanel::addFromEdit);
    connect(m_remove, &QPushButton::clicked, this, &ClusterPanel::removeSelected);
    connect(m_mode, &QComboBox::currentIndexChanged, this, [this] { rebuildPlots(); });
    connect(m_range, &QComboBox::currentIndexChanged, this, &ClusterPanel::redraw);
    connect(m_table, &QTableView::doubleClicked, this,
        [this](const QModelIndex &index) { emit showNodeRequested(m_model->data(index, Qt::UserRole).toUrl()); });
    connect(monitor, &ClusterMonitor::nodesChanged, this, &ClusterPanel::rebuildPlots);
    connect(monitor, &ClusterMonitor::ticked, this, &ClusterPanel::redraw);
    rebuildPlots();
}

void ClusterPanel::setMode(Mode mode)
{
    m_mode->setCurrentIndex(int(mode));
}

ClusterPanel::Mode ClusterPanel::mode() const
{
    return Mode(m_mode->currentIndex());
}

void ClusterPanel::addFromEdit()
{
    QString error;
    const int index = m_monitor->addNode(m_url->text(), &error);
    if (index < 0) {
        emit message(error);
        return;
    }
    emit message(tr("Watching %1").arg(m_monitor->node(index).url.toString()));
    m_url->clear();
}

void ClusterPanel::removeSelected()
{
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    if (rows.isEmpty())
        return;
    const ClusterMonitor::Node &node = m_monitor->node(rows.first().row());
    if (node.local) {
        emit message(tr("This server is always part of the cluster view."));
        return;
    }
    const QString name = node.name;
    if (m_monitor->removeNode(rows.first().row()))
        emit message(tr("Stopped watching %1").arg(name));
}

void ClusterPanel::rebuildPlots()
{
    // The split charts have one line per node: built again when the node list changes.
    QStringList names;
    if (mode() == SplitByNode)
        for (int i = 0; i < m_monitor->count(); ++i)
            names.append(m_monitor->node(i).name);
    else
        names.append(tr("cluster"));
    for (MetricsPlotWidget *&plot : m_plots) {
        if (plot)
            plot->deleteLater();
        plot = nullptr;
    }
    m_plots[ConnectedPlot] = new MetricsPlotWidget(tr("Connected sockets"), names, this);
    m_plots[MessagesPlot] = new MetricsPlotWidget(tr("WebSocket messages sent/s"), names, this);
    const bool dark = palette().color(QPalette::Window).lightness() < 128;
    for (MetricsPlotWidget *plot : m_plots) {
        plot->setDark(dark);
        m_plotRow->addWidget(plot);
    }
    redraw();
}

void ClusterPanel::redraw()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 range = m_range->currentData().toLongLong();
    const bool split = mode() == SplitByNode;
    const std::array<MetricsHistory::Series, PlotCount> series{
        MetricsHistory::Connected, MetricsHistory::WsMessagesOut};
    for (int p = 0; p < PlotCount; ++p) {
        MetricsPlotWidget *plot = m_plots[size_t(p)];
        plot->setTimeRange(now - range, now);
        if (!split) {
            const QList<QPointF> points = m_monitor->points(-1, series[size_t(p)], range, now);
            plot->setSeriesPoints(0, points);
            plot->setSummary(points.isEmpty() ? QString() : MetricsPlotWidget::shortNumber(points.last().y()));
            continue;
        }
        for (int n = 0; n < plot->seriesCount() && n < m_monitor->count(); ++n)
            plot->setSeriesPoints(n, m_monitor->points(n, series[size_t(p)], range, now));
    }
    const int count = m_monitor->count();
    const int up = m_monitor->upCount();
    if (count == 1)
        m_summary->setText(tr("Only this server so far: add another node's /metrics URL above."));
    else if (up == count)
        m_summary->setText(tr("%1 nodes, all up").arg(count));
    else
        m_summary->setText(tr("%1 of %2 nodes up").arg(up).arg(count));
}

void ClusterPanel::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::ApplicationPaletteChange) {
        const bool dark = palette().color(QPalette::Window).lightness() < 128;
        for (MetricsPlotWidget *plot : m_plots)
            if (plot)
                plot->setDark(dark);
    }
    QWidget::changeEvent(event);
}

} // namespace qsoketi
