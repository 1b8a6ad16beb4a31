// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <array>

#include <QUrl>
#include <QWidget>

class QComboBox;
class QHBoxLayout;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;

namespace qsoketi {

class ClusterMonitor;
class ClusterNodesModel;
class MetricsPlotWidget;

// The Cluster tab: the node list with per-node health (this process, other qsoketi and soketi nodes,
// added by their /metrics URL and remembered), and charts of the cluster summed or split by node.
// Double-clicking a node shows it in the Charts tab.
class ClusterPanel : public QWidget
{
    Q_OBJECT

public:
    enum Mode
    {
        Sum,
        SplitByNode
    };
    enum Plot
    {
        ConnectedPlot,
        MessagesPlot,
        PlotCount
    };

    explicit ClusterPanel(ClusterMonitor *monitor, QWidget *parent = nullptr);

    ClusterMonitor *monitor() const { return m_monitor; }
    ClusterNodesModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }
    QLineEdit *urlEdit() const { return m_url; }
    QPushButton *addButton() const { return m_add; }
    QPushButton *removeButton() const { return m_remove; }
    QComboBox *modeBox() const { return m_mode; }
    QLabel *summary() const { return m_summary; }
    MetricsPlotWidget *plot(Plot plot) const { return m_plots[plot]; }

    void setMode(Mode mode);
    Mode mode() const;
    void redraw();

signals:
    // A node was double-clicked: an empty URL is this process.
    void showNodeRequested(const QUrl &url);
    void message(const QString &text);

protected:
    void changeEvent(QEvent *event) override;

private:
    void addFromEdit();
    void removeSelected();
    void rebuildPlots();

    ClusterMonitor *m_monitor;
    ClusterNodesModel *m_model;
    QTableView *m_table;
    QLineEdit *m_url;
    QPushButton *m_add;
    QPushButton *m_remove;
    QComboBox *m_mode;
    QComboBox *m_range;
    QLabel *m_summary;
    QHBoxLayout *m_plotRow;
    std::array<MetricsPlotWidget *, PlotCount> m_plots{};
};

} // namespace qsoketi
