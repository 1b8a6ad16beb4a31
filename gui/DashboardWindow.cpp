// SPDX-License-Identifier: GPL-3.0-or-later
#include "DashboardWindow.h"

#include <QAction>
#include <QCloseEvent>
#include <QComboBox>
#include <QDateTime>
#include <QLabel>
#include <QLineEdit>
#include <QScreen>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>
#include <QVBoxLayout>

#include "ActivityConsoleWidget.h"
#include "AlertMonitor.h"
#include "AlertSources.h"
#include "AppIcon.h"
#include "AppsWidget.h"
#include "ChannelsModel.h"
#include "ChannelsTab.h"
#include "ChartsPanel.h"
#include "ClusterMonitor.h"
#include "ClusterPanel.h"
#include "CountersTab.h"
#include "CountersTableModel.h"
#include "DashboardMenus.h"
#include "EmptyStateBanner.h"
#include "EventCreatorWidget.h"
#include "HistoryStore.h"
#include "MetricsPlotWidget.h"
#include "RemoteMetricsSource.h"
#include "ServerActions.h"
#include "ServerCore.h"
#include "ServerPanel.h"
#include "StatusSampler.h"
#include "TrayIcon.h"
#include "WebhooksWidget.h"
#include "channels/ChannelsSnapshot.h"
#include "metrics/MetricsRegistry.h"
#include "server/ActivityFeed.h"

namespace qsoketi {

DashboardWindow::DashboardWindow(ServerCore &core, QWidget *parent)
    : QMainWindow(parent)
    , m_core(core)
    , m_sampler(new StatusSampler(core, 1000, this))
    , m_remote(new RemoteMetricsSource(this))
    , m_counters(new CountersTableModel(this))
    , m_channels(new ChannelsModel(this))
    , m_tabs(new QTabWidget(this))
    , m_store(new HistoryStore(HistoryStore::defaultPath(core.port()), this))
    , m_charts(new ChartsPanel(m_history, m_store, this))
    , m_alerts(new AlertMonitor(this))
    , m_cluster(new ClusterMonitor(tr("This server (:%1)").arg(core.port()), 1000, this))
    , m_clusterPanel(new ClusterPanel(m_cluster, this))
    , m_actions(new ServerActions(core, this))
    , m_channelsTab(new ChannelsTab(m_channels, m_actions, this))
    , m_emptyState(new EmptyStateBanner(core, this))
    , m_console(new ActivityConsoleWidget(this))
    , m_eventCreator(new EventCreatorWidget(core, this))
    , m_serverPanel(new ServerPanel(core, this))
    , m_appsWidget(new AppsWidget(core.appDirectory(), this))
    , m_rangeBox(new QComboBox(this))
    , m_appBox(new QComboBox(this))
    , m_sourceBox(new QComboBox(this))
    , m_remoteUrl(new QLineEdit(this))
    , m_statusLabel(new QLabel(this))
{
    setWindowTitle(tr("qsoketi dashboard — :%1").arg(core.port()));
    setWindowIcon(AppIcon::icon()); // also when the window is used without qsoketi's main()

    // Toolbar: source, range, app filter, pause, clear.
    QToolBar *bar = addToolBar(tr("Dashboard"));
    bar->setObjectName(QStringLiteral("dashboardToolbar"));
    bar->setMovable(false);
    m_sourceBox->addItem(tr("This server"));
    m_sourceBox->addItem(tr("Remote node…"));
    m_remoteUrl->setPlaceholderText(tr("http://host:9601/metrics (qsoketi or soketi)"));
    m_remoteUrl->setMinimumWidth(260);
    m_remoteUrl->setEnabled(false);
    for (int range = 0; range < ChartsPanel::RangeCount; ++range)
        m_rangeBox->addItem(ChartsPanel::rangeName(Range(range)));
    m_rangeBox->setToolTip(tr("Up to 1 h: live samples; 24 h and 7 d: the stored history (1 min averages)"));
    m_appBox->addItem(tr("All apps"), QString());
    bar->addWidget(new QLabel(tr(" Source "), this));
    bar->addWidget(m_sourceBox);
    bar->addWidget(m_remoteUrl);
    bar->addSeparator();
    bar->addWidget(new QLabel(tr(" Range "), this));
    bar->addWidget(m_rangeBox);
    bar->addWidget(new QLabel(tr(" App "), this));
    bar->addWidget(m_appBox);
    bar->addSeparator();
    m_pauseAction = bar->addAction(tr("Pause"));
    m_pauseAction->setCheckable(true);
    m_pauseAction->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_P), QKeySequence(Qt::Key_F8)});
    m_pauseAction->setToolTip(tr("Pause/resume charts and console (Ctrl+P, F8)"));
    m_clearAction = bar->addAction(tr("Clear console"));
    m_clearAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
    m_clearAction->setToolTip(tr("Clear the debug console (Ctrl+L)"));

    m_charts->addExportActions(bar);
    connect(m_charts, &ChartsPanel::exported, this, &DashboardWindow::updateStatus);

    m_tabs->addTab(m_charts, tr("Charts"));
    m_tabs->addTab(m_clusterPanel, tr("Cluster"));
    connect(m_clusterPanel, &ClusterPanel::message, this, &DashboardWindow::updateStatus);
    connect(m_clusterPanel, &ClusterPanel::showNodeRequested, this, [this](const QUrl &url) {
        if (url.isEmpty())
            monitorLocal();
        else
            monitorRemote(url.toString());
        showTab(tr("Charts"));
    });
    m_tabs->addTab(new CountersTab(m_counters, this), tr("Counters"));
    m_tabs->addTab(m_channelsTab, tr("Channels"));
    connect(m_channelsTab, &ChannelsTab::actionDone, this, &DashboardWindow::updateStatus);
    connect(m_console, &ActivityConsoleWidget::disconnectRequested, this,
        [this](const QString &appId, const QString &socketId) {
            m_actions->disconnectSocket(appId, socketId, [this, socketId](int closed) {
                updateStatus(closed > 0 ? tr("Disconnected socket %1.").arg(socketId)
                                        : tr("Socket %1 is gone (or has no channel).").arg(socketId));
            });
        });
    m_tabs->addTab(m_console, tr("Debug console"));
    m_tabs->addTab(m_eventCreator, tr("Event creator"));
    m_tabs->addTab(m_serverPanel, tr("Server"));
    // The server's own app store: a change made here reaches its clients at once.
    m_appsWidget->setServerAddress(
        ServerPanel::dialableHost(core.config().host), core.port(), !core.config().sslCertPath.isEmpty());
    m_tabs->addTab(m_appsWidget, tr("Apps"));
    m_tabs->addTab(new WebhooksWidget(core.webhooks(), this), tr("Webhooks"));
    setCentralWidget(m_emptyState->above(m_tabs, this));
    connect(m_emptyState, &EmptyStateBanner::serverTabRequested, this, [this] { showTab(tr("Server")); });
    m_menus = new DashboardMenus(this);
    statusBar()->addWidget(m_statusLabel, 1);

    connect(m_rangeBox, &QComboBox::currentIndexChanged, this, [this](int index) { setRange(Range(index)); });
    connect(m_appBox, &QComboBox::currentIndexChanged, this, &DashboardWindow::redrawCharts);
    connect(m_pauseAction, &QAction::toggled, this, &DashboardWindow::setPaused);
    connect(m_clearAction, &QAction::triggered, m_console, &ActivityConsoleWidget::clear);
    connect(m_sourceBox, &QComboBox::currentIndexChanged, this, [this](int index) {
        m_remoteUrl->setEnabled(index == 1);
        if (index == 0)
            monitorLocal();
        else if (!m_remoteUrl->text().isEmpty())
            monitorRemote(m_remoteUrl->text());
        else
            m_remoteUrl->setFocus();
    });
    connect(m_remoteUrl, &QLineEdit::returnPressed, this, [this] { monitorRemote(m_remoteUrl->text()); });

    connect(m_sampler, &StatusSampler::metricsSampled, this, &DashboardWindow::onLocalSample);
    connect(m_sampler, &StatusSampler::channelsSampled, this, &DashboardWindow::onChannelsSample);
    connect(m_remote, &RemoteMetricsSource::snapshotTaken, this, [this](const MetricsSnapshot &snapshot) {
        applySnapshot(snapshot);
        updateStatus(tr("Remote %1 — last scrape %2, %3 families")
                         .arg(m_remote->url().toString(),
                             QDateTime::fromMSecsSinceEpoch(snapshot.takenAtMs).toString(QStringLiteral("HH:mm:ss")))
                         .arg(snapshot.families.size()));
    });
    connect(m_remote, &RemoteMetricsSource::scrapeFailed, this, [this](const QString &reason) {
        updateStatus(tr("Remote %1 — scrape failed: %2").arg(m_remote->url().toString(), reason));
    });
    connect(&core.activity(), &ActivityFeed::eventsRecorded, m_console, &ActivityConsoleWidget::appendEvents);
    connect(m_console, &ActivityConsoleWidget::pausedChanged, this, [this](bool paused) {
        if (!paused && m_paused)
            setPaused(false);
    });

    m_tray = TrayIcon::createFor(this);

    QStringList appIds;
    for (const App &app : core.apps().apps())
        appIds.append(app.id);
    m_console->setAppIds(appIds);
    setUpAlerts();
    // Yesterday's window: the stored last hour comes back before the first live sample.
    m_charts->restoreFromStore(QDateTime::currentMSecsSinceEpoch());
    restoreSettings();
    m_sampler->sampleNow();
    m_sampler->start();
}

DashboardWindow::~DashboardWindow()
{
    // The server may outlive the window: stop paying for the activity feed.
    setActivityEnabled(false);
}

void DashboardWindow::setRange(Range range)
{
    m_range = range;
    if (m_rangeBox->currentIndex() != int(range))
        m_rangeBox->setCurrentIndex(int(range));
    redrawCharts();
}

void DashboardWindow::setAppFilter(const QString &appId)
{
    updateAppChoices();
    const int index = m_appBox->findData(appId);
    m_appBox->setCurrentIndex(index < 0 ? 0 : index);
}

QString DashboardWindow::appFilter() const
{
    return m_appBox->currentData().toString();
}

void DashboardWindow::setPaused(bool paused)
{
    m_paused = paused;
    if (m_pauseAction->isChecked() != paused)
        m_pauseAction->setChecked(paused);
    m_pauseAction->setText(paused ? tr("Resume") : tr("Pause"));
    m_console->setPaused(paused);
    if (!paused)
        redrawCharts();
}

bool DashboardWindow::monitorRemote(const QString &text)
{
    const QUrl url = RemoteMetricsSource::normalizedUrl(text);
    if (!url.isValid()) {
        updateStatus(tr("Not a metrics URL: %1").arg(text));
        return false;
    }
    m_remoteUrl->setText(url.toString());
    {
        const QSignalBlocker blocker(m_sourceBox);
        m_sourceBox->setCurrentIndex(1);
        m_remoteUrl->setEnabled(true);
    }
    m_remoteActive = true;
    m_history.clear(); // another node's numbers must not be rated against ours
    m_remote->start(url);
    updateStatus(tr("Remote %1 — connecting…").arg(url.toString()));
    setWindowTitle(tr("qsoketi dashboard — monitoring %1").arg(url.toString()));
    return true;
}

void DashboardWindow::monitorLocal()
{
    {
        const QSignalBlocker blocker(m_sourceBox);
        m_sourceBox->setCurrentIndex(0);
    }
    m_remoteUrl->setEnabled(false);
    if (!m_remoteActive)
        return;
    m_remoteActive = false;
    m_remote->stop();
    m_history.clear();
    m_charts->restoreFromStore(QDateTime::currentMSecsSinceEpoch()); // the local history survives a remote visit
    setWindowTitle(tr("qsoketi dashboard — :%1").arg(m_core.port()));
    m_sampler->sampleNow();
}

void DashboardWindow::showTab(const QString &title)
{
    for (int i = 0; i < m_tabs->count(); ++i)
        if (m_tabs->tabText(i) == title)
            m_tabs->setCurrentIndex(i);
}

void DashboardWindow::onLocalSample(const MetricsSnapshot &snapshot)
{
    m_cluster->setLocalSnapshot(snapshot); // the cluster view always sees this node
    if (m_remoteActive)
        return;
    applySnapshot(snapshot);
    m_emptyState->setVisible(m_history.latest(MetricsHistory::allApps(), MetricsHistory::Connected).value_or(0) <= 0);
    m_alerts->evaluateSnapshot(snapshot); // this server's limits: not a remote node's
    updateStatus(tr("This server (:%1) — sampled %2; %3 connected")
                     .arg(m_core.port())
                     .arg(QDateTime::fromMSecsSinceEpoch(snapshot.takenAtMs).toString(QStringLiteral("HH:mm:ss")))
                     .arg(m_history.latest(MetricsHistory::allApps(), MetricsHistory::Connected).value_or(0)));
}

void DashboardWindow::applySnapshot(const MetricsSnapshot &snapshot)
{
    m_history.addSnapshot(snapshot);
    if (!m_remoteActive)
        m_charts->storeSamplesAt(snapshot.takenAtMs); // the stored history is this node's only
    m_lastSnapshot = snapshot;
    if (!m_paused)
        m_counters->setSnapshot(snapshot);
    updateAppChoices();
    if (!m_paused)
        redrawCharts();
    emit snapshotApplied();
}

void DashboardWindow::updateAppChoices()
{
    for (const QString &id : m_history.appIds())
        if (m_appBox->findData(id) < 0)
            m_appBox->addItem(id, id);
}

void DashboardWindow::redrawCharts()
{
    const qint64 now =
        m_history.lastSnapshotMs() > 0 ? m_history.lastSnapshotMs() : QDateTime::currentMSecsSinceEpoch();
    m_charts->redraw(m_range, appFilter(), now);
}

void DashboardWindow::onChannelsSample(const ChannelsSnapshot &snapshot, int connectionCount)
{
    // Channels, the tray and the event creator always show this process, whatever the charts follow.
    m_channels->refresh(snapshot);
    if (m_tray)
        m_tray->setConnectionCount(connectionCount);
    m_eventCreator->suggestChannelsFrom(snapshot);
}

void DashboardWindow::setUpAlerts()
{
    new AlertSources(m_core, m_alerts, m_cluster, this);
    connect(m_alerts, &AlertMonitor::alertRaised, this, [this](const AlertMonitor::Alert &alert) {
        m_console->appendEvents({AlertMonitor::toActivityEvent(alert)});
        if (m_tray)
            m_tray->showMessage(alert.title, alert.message, QSystemTrayIcon::Warning, 10000);
        statusBar()->showMessage(alert.title + QStringLiteral(": ") + alert.message, 15000);
    });
}

void DashboardWindow::updateStatus(const QString &text)
{
    m_statusLabel->setText(text);
}

void DashboardWindow::setActivityEnabled(bool enabled)
{
    // The feed lives on the server's thread (which may not be this one).
    ActivityFeed *feed = &m_core.activity();
    QMetaObject::invokeMethod(feed, [feed, enabled] { feed->setEnabled(enabled); });
}

void DashboardWindow::showEvent(QShowEvent *event)
{
    // The feed costs the server an allocation per event: pay it only while someone can look.
    setActivityEnabled(true);
    QMainWindow::showEvent(event);
}

void DashboardWindow::hideEvent(QHideEvent *event)
{
    if (!isMinimized())
        setActivityEnabled(false);
    QMainWindow::hideEvent(event);
}

void DashboardWindow::closeEvent(QCloseEvent *event)
{
    saveSettings();
    QMainWindow::closeEvent(event);
    if (event->isAccepted())
        emit closed();
}

void DashboardWindow::restoreSettings()
{
    QSettings settings;
    settings.beginGroup(QStringLiteral("dashboard"));
    if (!restoreGeometry(settings.value(QStringLiteral("geometry")).toByteArray())) {
        // First start: a comfortable size, centred, never larger than the screen.
        QSize size(1280, 820);
        if (const QScreen *screen = this->screen())
            size = size.boundedTo(screen->availableSize() * 0.9);
        resize(size);
    }
    restoreState(settings.value(QStringLiteral("state")).toByteArray());
    const int range = settings.value(QStringLiteral("range"), int(OneMinute)).toInt();
    setRange(range >= OneMinute && range < ChartsPanel::RangeCount ? Range(range) : OneMinute);
    m_tabs->setCurrentIndex(qBound(0, settings.value(QStringLiteral("tab"), 0).toInt(), m_tabs->count() - 1));
    m_remoteUrl->setText(settings.value(QStringLiteral("remoteUrl")).toString());
    settings.endGroup();
}

void DashboardWindow::saveSettings() const
{
    QSettings settings;
    settings.beginGroup(QStringLiteral("dashboard"));
    settings.setValue(QStringLiteral("geometry"), saveGeometry());
    settings.setValue(QStringLiteral("state"), saveState());
    settings.setValue(QStringLiteral("range"), int(m_range));
    settings.setValue(QStringLiteral("tab"), m_tabs->currentIndex());
    settings.setValue(QStringLiteral("remoteUrl"), m_remoteUrl->text());
    settings.endGroup();
}

} // namespace qsoketi
