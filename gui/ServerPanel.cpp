// SPDX-License-Identifier: GPL-3.0-or-later
#include "ServerPanel.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDateTime>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

#include "ServerCore.h"

namespace qsoketi {

ServerPanel::ServerPanel(ServerCore &core, QWidget *parent)
    : QWidget(parent)
    , m_core(core)
    , m_uptime(new QLabel(this))
    , m_apps(new QTableWidget(this))
    , m_snippetApp(new QComboBox(this))
    , m_snippet(new QPlainTextEdit(this))
{
    const ServerConfig &config = core.config();
    const QString host = dialableHost(config.host);
    auto *addresses = new QGroupBox(tr("Server"), this);
    auto *form = new QFormLayout(addresses);
    const auto selectable = [this](const QString &text) {
        auto *label = new QLabel(text, this);
        label->setTextInteractionFlags(Qt::TextSelectableByMouse);
        return label;
    };
    form->addRow(tr("WebSocket"),
        selectable(
            QStringLiteral("ws://%1:%2/app/{key}   (listening on %3:%2)").arg(host).arg(core.port()).arg(config.host)));
    form->addRow(
        tr("HTTP API"), selectable(QStringLiteral("http://%1:%2/apps/{id}/events").arg(host).arg(core.port())));
    form->addRow(tr("Metrics"),
        selectable(config.metrics.enabled
                ? QStringLiteral("http://%1:%2/metrics   (listening on %3:%2)")
                      .arg(dialableHost(config.metrics.host))
                      .arg(core.metricsPort())
                      .arg(config.metrics.host)
                : QStringLiteral("port %1 open, /metrics disabled (set SOKETI_METRICS_ENABLED=1); the dashboard "
                                 "reads the registry directly")
                      .arg(core.metricsPort())));
    form->addRow(tr("Started"),
        selectable(QDateTime::fromMSecsSinceEpoch(core.startedAtMs()).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"))));
    form->addRow(tr("Uptime"), m_uptime);
    form->addRow(tr("Version"), selectable(QStringLiteral("qsoketi " QSOKETI_VERSION)));

    auto *appsBox = new QGroupBox(tr("Apps"), this);
    auto *appsLayout = new QVBoxLayout(appsBox);
    m_apps->setColumnCount(4);
    m_apps->setHorizontalHeaderLabels({tr("App ID"), tr("Key"), tr("Secret"), tr("Enabled")});
    m_apps->horizontalHeader()->setStretchLastSection(true);
    m_apps->verticalHeader()->hide();
    m_apps->setEditTriggers(QAbstractItemView::NoEditTriggers);
    auto *showSecrets = new QPushButton(tr("Show secrets"), this);
    showSecrets->setCheckable(true);
    if (core.config().appStore.driver != AppStoreConfig::Driver::Array) {
        // A database's apps are listed, with every field and their snippets, in the Apps tab.
        auto *stored = new QLabel(tr("Apps come from the %1 app store: the Apps tab lists and edits them.")
                                      .arg(AppStoreConfig::driverName(core.config().appStore.driver)),
            this);
        stored->setWordWrap(true);
        appsLayout->addWidget(stored);
    }
    appsLayout->addWidget(m_apps);
    appsLayout->addWidget(showSecrets, 0, Qt::AlignLeft);

    auto *snippetBox = new QGroupBox(tr("Client snippet (pusher-js / Laravel Echo)"), this);
    auto *snippetLayout = new QVBoxLayout(snippetBox);
    auto *snippetBar = new QHBoxLayout;
    auto *copy = new QPushButton(tr("Copy"), this);
    snippetBar->addWidget(new QLabel(tr("App"), this));
    snippetBar->addWidget(m_snippetApp, 1);
    snippetBar->addWidget(copy);
    m_snippet->setReadOnly(true);
    m_snippet->setFont(QFont(QStringLiteral("monospace")));
    snippetLayout->addLayout(snippetBar);
    snippetLayout->addWidget(m_snippet);

    auto *left = new QVBoxLayout;
    left->addWidget(addresses);
    left->addWidget(appsBox, 1);
    auto *layout = new QHBoxLayout(this);
    layout->addLayout(left, 1);
    layout->addWidget(snippetBox, 1);

    for (const App &app : core.apps().apps())
        m_snippetApp->addItem(app.id, app.id);
    fillApps();
    updateSnippet();
    updateUptime();

    connect(showSecrets, &QPushButton::toggled, this, [this, showSecrets](bool on) {
        showSecrets->setText(on ? tr("Hide secrets") : tr("Show secrets"));
        setSecretsVisible(on);
    });
    connect(m_snippetApp, &QComboBox::currentIndexChanged, this, &ServerPanel::updateSnippet);
    connect(copy, &QPushButton::clicked, this, [this] { QApplication::clipboard()->setText(snippet()); });
    auto *timer = new QTimer(this);
    timer->setTimerType(Qt::CoarseTimer);
    connect(timer, &QTimer::timeout, this, &ServerPanel::updateUptime);
    timer->start(1000);
}

QString ServerPanel::dialableHost(const QString &listenHost)
{
    if (listenHost.isEmpty() || listenHost == QLatin1String("0.0.0.0") || listenHost == QLatin1String("::"))
        return QStringLiteral("127.0.0.1");
    return listenHost;
}

QString ServerPanel::formatUptime(qint64 ms)
{
    const qint64 s = qMax<qint64>(0, ms / 1000);
    const qint64 days = s / 86400;
    const QString hms = QStringLiteral("%1:%2:%3")
                            .arg((s / 3600) % 24, 2, 10, QLatin1Char('0'))
                            .arg((s / 60) % 60, 2, 10, QLatin1Char('0'))
                            .arg(s % 60, 2, 10, QLatin1Char('0'));
    return days > 0 ? QStringLiteral("%1 d %2").arg(days).arg(hms) : hms;
}

QString ServerPanel::clientSnippet(const QString &host, quint16 port, const App &app, bool showSecret)
{
    const QString secret = showSecret ? app.secret : QStringLiteral("<hidden: press \"Show secrets\">");
    return QStringLiteral("// npm install pusher-js laravel-echo\n"
                          "import Pusher from 'pusher-js';\n"
                          "\n"
                          "const pusher = new Pusher('%1', {\n"
                          "    wsHost: '%2',\n"
                          "    wsPort: %3,\n"
                          "    wssPort: %3,\n"
                          "    forceTLS: false,\n"
                          "    enabledTransports: ['ws', 'wss'],\n"
                          "    cluster: 'mt1',\n"
                          "    disableStats: true,\n"
                          "});\n"
                          "\n"
                          "// Laravel Echo\n"
                          "import Echo from 'laravel-echo';\n"
                          "window.Pusher = Pusher;\n"
                          "window.Echo = new Echo({\n"
                          "    broadcaster: 'pusher',\n"
                          "    key: '%1',\n"
                          "    wsHost: '%2',\n"
                          "    wsPort: %3,\n"
                          "    wssPort: %3,\n"
                          "    forceTLS: false,\n"
                          "    enabledTransports: ['ws', 'wss'],\n"
                          "    cluster: 'mt1',\n"
                          "    disableStats: true,\n"
                          "});\n"
                          "\n"
                          "# Laravel 11+ .env (php artisan install:broadcasting; Laravel 10 and older: "
                          "BROADCAST_DRIVER=pusher)\n"
                          "BROADCAST_CONNECTION=pusher\n"
                          "PUSHER_APP_ID=%4\n"
                          "PUSHER_APP_KEY=%1\n"
                          "PUSHER_APP_SECRET=%5\n"
                          "PUSHER_HOST=%2\n"
                          "PUSHER_PORT=%3\n"
                          "PUSHER_SCHEME=http\n"
                          "PUSHER_APP_CLUSTER=mt1\n"
                          "\n"
                          "# read by resources/js/echo.js through Vite\n"
                          "VITE_PUSHER_APP_KEY=\"${PUSHER_APP_KEY}\"\n"
                          "VITE_PUSHER_HOST=\"${PUSHER_HOST}\"\n"
                          "VITE_PUSHER_PORT=\"${PUSHER_PORT}\"\n"
                          "VITE_PUSHER_SCHEME=\"${PUSHER_SCHEME}\"\n"
                          "VITE_PUSHER_APP_CLUSTER=\"${PUSHER_APP_CLUSTER}\"\n")
        .arg(app.key, host)
        .arg(port)
        .arg(app.id, secret);
}

QString ServerPanel::snippet() const
{
    const QString id = m_snippetApp->currentData().toString();
    for (const App &app : m_core.apps().apps())
        if (app.id == id)
            return clientSnippet(dialableHost(m_core.config().host), m_core.port(), app, m_secretsVisible);
    return QString();
}

void ServerPanel::setSecretsVisible(bool visible)
{
    m_secretsVisible = visible;
    fillApps();
    updateSnippet();
}

void ServerPanel::fillApps()
{
    const QList<App> &apps = m_core.apps().apps();
    m_apps->setRowCount(int(apps.size()));
    for (int row = 0; row < apps.size(); ++row) {
        const App &app = apps[row];
        m_apps->setItem(row, 0, new QTableWidgetItem(app.id));
        m_apps->setItem(row, 1, new QTableWidgetItem(app.key));
        m_apps->setItem(row, 2, new QTableWidgetItem(m_secretsVisible ? app.secret : QStringLiteral("••••••••")));
        m_apps->setItem(row, 3, new QTableWidgetItem(app.enabled ? QStringLiteral("yes") : QStringLiteral("no")));
    }
    m_apps->resizeColumnsToContents();
}

void ServerPanel::updateSnippet()
{
    m_snippet->setPlainText(snippet());
}

void ServerPanel::updateUptime()
{
    m_uptime->setText(formatUptime(QDateTime::currentMSecsSinceEpoch() - m_core.startedAtMs()));
}

} // namespace qsoketi
