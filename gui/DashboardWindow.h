// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QMainWindow>

#include "ChartsPanel.h"
#include "EmptyStateBanner.h"
#include "MetricsHistory.h"
#include "metrics/MetricsSnapshot.h"

class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QTabWidget;

namespace qsoketi {

class ActivityConsoleWidget;
class AlertMonitor;
class ClusterMonitor;
class ClusterPanel;
class DashboardMenus;
class AppsWidget;
class ChannelsModel;
class ChannelsTab;
class ServerActions;
class CountersTableModel;
class EventCreatorWidget;
class HistoryStore;
class MetricsPlotWidget;
class StatusSampler;
struct ChannelsSnapshot;
class RemoteMetricsSource;
class ServerCore;
class ServerPanel;
class TrayIcon;

// The dashboard shown while the server runs in the same process. It keeps no counters of its own:
// charts and the counters table come from registry snapshots (or a remote node's parsed /metrics),
// the channel tree from a once-per-second reading of the server, the console from the ActivityFeed.
class DashboardWindow : public QMainWindow
{
    Q_OBJECT

public:
    using Range = ChartsPanel::Range;
    static constexpr Range OneMinute = ChartsPanel::OneMinute;
    static constexpr Range FifteenMinutes = ChartsPanel::FifteenMinutes;
    static constexpr Range OneHour = ChartsPanel::OneHour;
    static constexpr Range OneDay = ChartsPanel::OneDay;
    static constexpr Range SevenDays = ChartsPanel::SevenDays;
    using Plot = ChartsPanel::Plot;
    static constexpr Plot ConnectedPlot = ChartsPanel::ConnectedPlot;
    static constexpr Plot ConnectionsPlot = ChartsPanel::ConnectionsPlot;
    static constexpr Plot MessagesPlot = ChartsPanel::MessagesPlot;
    static constexpr Plot BytesPlot = ChartsPanel::BytesPlot;
    static constexpr Plot ApiCallsPlot = ChartsPanel::ApiCallsPlot;

    explicit DashboardWindow(ServerCore &core, QWidget *parent = nullptr);
    ~DashboardWindow() override;

    static qint64 rangeMs(Range range) { return ChartsPanel::rangeMs(range); }
    void setRange(Range range);
    Range range() const { return m_range; }
    void setAppFilter(const QString &appId); // empty = all apps
    QString appFilter() const;
    void setPaused(bool paused);
    bool isPaused() const { return m_paused; }
    // Charts and counters follow another node's /metrics (http://host:9601[/metrics]); false on a bad URL.
    bool monitorRemote(const QString &url);
    void monitorLocal();
    bool isRemote() const { return m_remoteActive; }
    void showTab(const QString &title);

    const MetricsHistory &history() const { return m_history; }
    CountersTableModel *countersModel() const { return m_counters; }
    ChannelsModel *channelsModel() const { return m_channels; }
    ChannelsTab *channelsTab() const { return m_channelsTab; }
    ServerActions *serverActions() const { return m_actions; }
    ActivityConsoleWidget *console() const { return m_console; }
    EventCreatorWidget *eventCreator() const { return m_eventCreator; }
    ServerPanel *serverPanel() const { return m_serverPanel; }
    AppsWidget *appsWidget() const { return m_appsWidget; }
    MetricsPlotWidget *plot(Plot plot) const { return m_charts->plot(plot); }
    ChartsPanel *charts() const { return m_charts; }
    HistoryStore *historyStore() const { return m_store; }
    AlertMonitor *alertMonitor() const { return m_alerts; }
    ClusterMonitor *clusterMonitor() const { return m_cluster; }
    ClusterPanel *clusterPanel() const { return m_clusterPanel; }
    DashboardMenus *menus() const { return m_menus; }
    // "No clients yet": shown while this server has no connection.
    EmptyStateBanner *emptyState() const { return m_emptyState; }
    StatusSampler *sampler() const { return m_sampler; }
    TrayIcon *trayIcon() const { return m_tray; }
    QTabWidget *tabs() const { return m_tabs; }
    // The last snapshot shown (local or remote).
    const MetricsSnapshot &lastSnapshot() const { return m_lastSnapshot; }

signals:
    void snapshotApplied();
    // The user closed the window: main() drains the server gracefully instead of quitting on the spot.
    void closed();

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;
    void closeEvent(QCloseEvent *event) override;

private:
    void setActivityEnabled(bool enabled);
    void onLocalSample(const MetricsSnapshot &snapshot);
    void applySnapshot(const MetricsSnapshot &snapshot);
    void redrawCharts();
    void onChannelsSample(const ChannelsSnapshot &snapshot, int connectionCount);
    void updateAppChoices();
    void updateStatus(const QString &text);
    void setUpAlerts();
    void restoreSettings();
    void saveSettings() const;

    ServerCore &m_core;
    MetricsHistory m_history;
    MetricsSnapshot m_lastSnapshot;
    StatusSampler *m_sampler;
    RemoteMetricsSource *m_remote;
    CountersTableModel *m_counters;
    ChannelsModel *m_channels;
    QTabWidget *m_tabs;
    HistoryStore *m_store;
    ChartsPanel *m_charts;
    AlertMonitor *m_alerts;
    ClusterMonitor *m_cluster;
    ClusterPanel *m_clusterPanel;
    ServerActions *m_actions;
    ChannelsTab *m_channelsTab;
    DashboardMenus *m_menus = nullptr;
    EmptyStateBanner *m_emptyState;
    ActivityConsoleWidget *m_console;
    EventCreatorWidget *m_eventCreator;
    ServerPanel *m_serverPanel;
    AppsWidget *m_appsWidget;
    TrayIcon *m_tray = nullptr;
    QComboBox *m_rangeBox;
    QComboBox *m_appBox;
    QComboBox *m_sourceBox;
    QLineEdit *m_remoteUrl;
    QAction *m_pauseAction;
    QAction *m_clearAction;
    QLabel *m_statusLabel;
    Range m_range = OneMinute;
    bool m_paused = false;
    bool m_remoteActive = false;
};

} // namespace qsoketi
