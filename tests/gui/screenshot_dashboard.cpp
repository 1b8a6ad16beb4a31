// SPDX-License-Identifier: GPL-3.0-or-later
// Opens the real dashboard on an X server (run under xvfb-run by CTest) while a traffic generator
// drives a real ServerCore — connections coming and going, subscriptions (presence too), client
// events, API events — and writes PNGs of the charts, console, channels and server tabs as artefacts; also
// a 24 h history view from stored samples, a user traced in the console, an alert, the dark palette and
// the cluster view of three nodes.
#include <cmath>

#include <QApplication>
#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QGuiApplication>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPixmap>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScreen>
#include <QSettings>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTest>
#include <QTimer>
#include <QUrlQuery>

#include "ActivityConsoleWidget.h"
#include "ActivityFilterProxyModel.h"
#include "ActivityLogModel.h"
#include "AlertMonitor.h"
#include "AppsTableModel.h"
#include "AppsWidget.h"
#include "ChannelsTab.h"
#include "ClusterMonitor.h"
#include "ClusterPanel.h"
#include "DashboardWindow.h"
#include "EventCreatorWidget.h"
#include "GuiTestSupport.h"
#include "HistoryStore.h"
#include "MetricsPlotWidget.h"
#include "SoketiProcess.h"
#include "StatusSampler.h"
#include "auth/HmacSigner.h"
#include "auth/RestRequestVerifier.h"
#include "rest/RestApi.h"
#include "server/PusherServer.h"

using namespace qsoketi;

namespace {

QString privateAuth(const QString &socketId, const QString &channel)
{
    return QStringLiteral("app-key:")
        + QString::fromLatin1(HmacSigner::sign("app-secret", (socketId + QLatin1Char(':') + channel).toUtf8()));
}

// A signed POST /apps/app-id/events, as a Laravel back end sends it.
void postEvent(QNetworkAccessManager &network, quint16 port, const QByteArray &body)
{
    const QString path = QStringLiteral("/apps/app-id/events");
    QList<QPair<QString, QString>> query{{QStringLiteral("auth_key"), QStringLiteral("app-key")},
        {QStringLiteral("auth_timestamp"), QString::number(QDateTime::currentSecsSinceEpoch())},
        {QStringLiteral("auth_version"), QStringLiteral("1.0")},
        {QStringLiteral("body_md5"),
            QString::fromLatin1(QCryptographicHash::hash(body, QCryptographicHash::Md5).toHex())}};
    query.append({QStringLiteral("auth_signature"),
        QString::fromLatin1(HmacSigner::sign("app-secret", RestRequestVerifier::stringToSign("POST", path, query)))});
    QUrlQuery urlQuery;
    urlQuery.setQueryItems(query);
    QUrl url(QStringLiteral("http://127.0.0.1:%1%2").arg(port).arg(path));
    url.setQuery(urlQuery);
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    QNetworkReply *reply = network.post(request, body);
    QObject::connect(reply, &QNetworkReply::finished, reply, &QObject::deleteLater);
}

QPalette darkPalette()
{
    QPalette p;
    p.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2e));
    p.setColor(QPalette::WindowText, QColor(0xe8, 0xe8, 0xe8));
    p.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x21));
    p.setColor(QPalette::AlternateBase, QColor(0x28, 0x28, 0x2c));
    p.setColor(QPalette::Text, QColor(0xe8, 0xe8, 0xe8));
    p.setColor(QPalette::Button, QColor(0x35, 0x35, 0x39));
    p.setColor(QPalette::ButtonText, QColor(0xe8, 0xe8, 0xe8));
    p.setColor(QPalette::Highlight, QColor(0x2a, 0x82, 0xda));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::ToolTipBase, QColor(0x3a, 0x3a, 0x20));
    p.setColor(QPalette::ToolTipText, QColor(0xf0, 0xf0, 0xd0));
    p.setColor(QPalette::PlaceholderText, QColor(0x90, 0x90, 0x90));
    return p;
}

// The stored history of an earlier day (what the window would have written then): a daily curve of
// connections and traffic, one sample every 30 s until two minutes ago, averaged into minutes.
void seedYesterday(quint16 port)
{
    QFile::remove(HistoryStore::defaultPath(port));
    HistoryStore store(HistoryStore::defaultPath(port));
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (qint64 t = now - 24LL * 3600 * 1000; t < now - 2 * 60 * 1000; t += 30 * 1000) {
        const double day = std::sin(double(t % (24LL * 3600 * 1000)) / (24.0 * 3600 * 1000) * 2 * M_PI);
        const double wobble = std::sin(double(t) / 600000.0) * 0.1;
        const double load = 0.55 + 0.4 * day + wobble;
        store.append(QString(), MetricsHistory::Connected, t, std::round(120 * load));
        store.append(QString(), MetricsHistory::NewConnections, t, 2.5 * load + 0.3);
        store.append(QString(), MetricsHistory::Disconnections, t, 2.4 * load + 0.3);
        store.append(QString(), MetricsHistory::WsMessagesIn, t, 40 * load);
        store.append(QString(), MetricsHistory::WsMessagesOut, t, 310 * load);
        store.append(QString(), MetricsHistory::BytesIn, t, 5200 * load);
        store.append(QString(), MetricsHistory::BytesOut, t, 61000 * load);
        store.append(QString(), MetricsHistory::ApiCalls, t, 18 * load + 1);
    }
}

} // namespace

class ScreenshotDashboard final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true); // never read or write the user's dashboard settings
        QVERIFY2(QGuiApplication::platformName() == QLatin1String("xcb"),
            "run under xvfb-run: this test screenshots a real X window");
        QVERIFY(QDir().mkpath(QStringLiteral(QSOKETI_ARTIFACTS_DIR)));
        QSettings().remove(QStringLiteral("cluster")); // the cluster view starts with this node only
    }

    void screenshotWithTraffic()
    {
        auto core = test::startCore();
        std::vector<std::unique_ptr<test::Client>> clients;
        const auto connectClient = [&](int n) {
            auto client = std::make_unique<test::Client>(core->port());
            test::Client *c = client.get();
            c->setProperty("n", n);
            connect(&c->socket, &QWebSocket::textMessageReceived, c, [c, n](const QString &text) {
                if (!text.contains(QLatin1String("pusher:connection_established")))
                    return;
                c->subscribe(QStringLiteral("orders"));
                c->subscribe(QStringLiteral("private-chat.%1").arg(n % 3),
                    privateAuth(c->socketId(), QStringLiteral("private-chat.%1").arg(n % 3)));
                if (n % 2 == 0)
                    c->subscribePresence(QStringLiteral("presence-team"),
                        QStringLiteral("{\"user_id\":\"%1\",\"user_info\":{\"name\":\"User %1\",\"role\":\"%2\"}}")
                            .arg(n % 6)
                            .arg(n % 3 ? QStringLiteral("dev") : QStringLiteral("admin")));
            });
            clients.push_back(std::move(client));
        };
        for (int i = 0; i < 12; ++i)
            connectClient(i);

        seedYesterday(core->port());
        DashboardWindow window(*core);
        window.resize(1440, 900);
        window.move(40, 40);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.sampler()->stop();

        // Traffic: API events every 40 ms, a client event every 100 ms, one connection churned per second.
        QNetworkAccessManager network;
        int tick = 0;
        QTimer traffic;
        connect(&traffic, &QTimer::timeout, this, [&] {
            ++tick;
            postEvent(network, core->port(),
                QJsonDocument(
                    QJsonObject{{QStringLiteral("name"), QStringLiteral("order.updated")},
                        {QStringLiteral("channel"), QStringLiteral("orders")},
                        {QStringLiteral("data"), QStringLiteral("{\"id\":%1,\"status\":\"shipped\"}").arg(tick)}})
                    .toJson(QJsonDocument::Compact));
            if (tick % 3 == 0 && !clients.empty()) {
                test::Client *c = clients[size_t(tick) % clients.size()].get();
                // Its own private channel, except now and then a wrong one: the console shows the 4301 error.
                const int channel = c->property("n").toInt() % 3 + (tick % 30 == 0 ? 1 : 0);
                if (c->has(QStringLiteral("pusher_internal:subscription_succeeded"),
                        QStringLiteral("private-chat.%1").arg(c->property("n").toInt() % 3)))
                    c->send({{QStringLiteral("event"), QStringLiteral("client-typing")},
                        {QStringLiteral("channel"), QStringLiteral("private-chat.%1").arg(channel % 3)},
                        {QStringLiteral("data"),
                            QJsonObject{{QStringLiteral("user"), c->socketId()}, {QStringLiteral("typing"), true}}}});
            }
            if (tick % 25 == 0) {
                clients.front()->socket.close();
                clients.erase(clients.begin());
                connectClient(tick);
                if (tick % 50 == 0)
                    connectClient(tick + 1); // slowly growing
            }
        });
        traffic.start(40);
        // Sample at 1 s like the real sampler; 12 samples give the charts a visible history.
        for (int s = 0; s < 12; ++s) {
            QTest::qWait(1000);
            window.sampler()->sampleNow();
        }
        // A subscriber-side error for the console: a private channel without a valid signature.
        clients.back()->subscribe(QStringLiteral("private-secret"), QStringLiteral("app-key:bad"));
        QTest::qWait(1000);
        window.sampler()->sampleNow(); // traffic keeps running: the last sample is a full second of it

        QVERIFY(window.history().latest(MetricsHistory::allApps(), MetricsHistory::WsMessagesOut).value_or(0) > 0);
        QVERIFY(window.plot(DashboardWindow::MessagesPlot)->seriesPoints(1).size() >= 10);

        const QString dir = QStringLiteral(QSOKETI_ARTIFACTS_DIR);
        // Returns a null image when grabbing or saving failed.
        const auto shoot = [&](const QString &tab, const QString &file) -> QImage {
            window.showTab(tab);
            QTest::qWait(300); // let the X server paint
            const QPixmap shot = window.screen()->grabWindow(window.winId());
            if (shot.isNull() || !shot.save(dir + QLatin1Char('/') + file))
                return QImage();
            qInfo("wrote %s (%dx%d)", qPrintable(dir + QLatin1Char('/') + file), shot.width(), shot.height());
            return shot.toImage();
        };
        const QImage charts = shoot(QStringLiteral("Charts"), QStringLiteral("dashboard.png"));
        QVERIFY(!charts.isNull());
        // Not a blank frame: a real window has many distinct colours.
        QSet<QRgb> colours;
        for (int y = 0; y < charts.height(); y += 4)
            for (int x = 0; x < charts.width(); x += 4)
                colours.insert(charts.pixel(x, y));
        QVERIFY2(colours.size() > 50, qPrintable(QString::number(colours.size())));
        // Inspect the newest API event in the console, as a user would.
        window.showTab(QStringLiteral("Debug console"));
        QTableView *view = window.console()->view();
        for (int row = view->model()->rowCount() - 1; row >= 0; --row)
            if (view->model()->index(row, ActivityLogModel::KindColumn).data().toString()
                == QLatin1String("api event")) {
                view->setCurrentIndex(view->model()->index(row, 0));
                break;
            }
        QVERIFY(window.console()->inspector()->toPlainText().contains(QLatin1String("\"status\": \"shipped\"")));
        QVERIFY(!shoot(QStringLiteral("Debug console"), QStringLiteral("dashboard-console.png")).isNull());
        // A presence member selected: its disconnect / terminate buttons are enabled.
        QVERIFY(window.channelsTab()->selectMember(
            QStringLiteral("app-id"), QStringLiteral("presence-team"), QStringLiteral("2")));
        QVERIFY(!shoot(QStringLiteral("Channels"), QStringLiteral("dashboard-channels.png")).isNull());
        QVERIFY(!shoot(QStringLiteral("Counters"), QStringLiteral("dashboard-counters.png")).isNull());
        EventCreatorWidget *creator = window.eventCreator();
        creator->channelEdit()->setText(QStringLiteral("orders"));
        creator->eventEdit()->setText(QStringLiteral("order.created"));
        QTest::mouseClick(creator->sendButton(), Qt::LeftButton);
        QVERIFY(creator->resultLabel()->text().startsWith(QStringLiteral("200")));
        QVERIFY(!shoot(QStringLiteral("Event creator"), QStringLiteral("dashboard-event-creator.png")).isNull());
        QVERIFY(!shoot(QStringLiteral("Server"), QStringLiteral("dashboard-server.png")).isNull());
        QVERIFY(window.appsWidget());
        QTRY_COMPARE(window.appsWidget()->model()->rowCount(), int(core->apps().apps().size()));
        window.appsWidget()->selectApp(QStringLiteral("app-id"));
        QVERIFY(!shoot(QStringLiteral("Apps"), QStringLiteral("dashboard-apps.png")).isNull());

        // The console tracing one presence user (user 2: clients 2 and 8), live.
        window.console()->setTrace(QStringLiteral("2"));
        QVERIFY(window.console()->proxy()->rowCount() > 0);
        QVERIFY(!shoot(QStringLiteral("Debug console"), QStringLiteral("dashboard-console-trace.png")).isNull());
        window.console()->setTrace({});

        // An alert: this app's limit set just above its connections (as if maxConnections were that).
        const int connected =
            int(window.history().latest(QStringLiteral("app-id"), MetricsHistory::Connected).value_or(0));
        window.alertMonitor()->setConnectionLimits({{QStringLiteral("app-id"), connected + 1}});
        window.sampler()->sampleNow();
        QCOMPARE(window.alertMonitor()->raisedCount(), 1);
        QVERIFY(window.console()->setKindFilter(ActivityFilterProxyModel::kindBit(ActivityEvent::Kind::Error)
            | ActivityFilterProxyModel::kindBit(ActivityEvent::Kind::Alert)));
        window.console()->model()->flush();
        QTRY_VERIFY(window.console()->proxy()->rowCount() >= 2); // the alert and the refused subscription
        const QModelIndex last = window.console()->proxy()->index(window.console()->proxy()->rowCount() - 1, 0);
        window.console()->view()->setCurrentIndex(last);
        QCOMPARE(last.siblingAtColumn(ActivityLogModel::KindColumn).data().toString(), QStringLiteral("alert"));
        QVERIFY(!shoot(QStringLiteral("Debug console"), QStringLiteral("dashboard-alert.png")).isNull());
        window.console()->setKindFilter(ActivityFilterProxyModel::allKinds);

        // 24 h from the stored history (yesterday's minutes, seeded above).
        window.setRange(DashboardWindow::OneDay);
        QVERIFY(window.plot(DashboardWindow::ConnectedPlot)->seriesPoints(0).size() > 100);
        QVERIFY(!shoot(QStringLiteral("Charts"), QStringLiteral("dashboard-history-24h.png")).isNull());
        window.setRange(DashboardWindow::OneMinute);

        // The dark palette: charts in Qt Charts' dark theme, console colours for a dark base.
        const QPalette light = QApplication::palette();
        QApplication::setPalette(darkPalette());
        QTRY_VERIFY(window.plot(DashboardWindow::ConnectedPlot)->isDark());
        QVERIFY(!shoot(QStringLiteral("Charts"), QStringLiteral("dashboard-dark.png")).isNull());
        QVERIFY(!shoot(QStringLiteral("Debug console"), QStringLiteral("dashboard-dark-console.png")).isNull());
        QApplication::setPalette(light);
        traffic.stop();
        QVERIFY(window.console()->model()->rowCount() > 100);
        QVERIFY(window.history().latest(MetricsHistory::allApps(), MetricsHistory::ApiCalls).value_or(0) > 5);

        // Remote mode: the charts follow a second node (soketi's old soketi_<port>_… naming) over HTTP.
        auto remote = test::startCore(true, true);
        std::vector<std::unique_ptr<test::Client>> remoteClients;
        QTimer remoteTraffic;
        connect(&remoteTraffic, &QTimer::timeout, this, [&] {
            remoteClients.push_back(std::make_unique<test::Client>(remote->port(), QStringLiteral("second-key")));
        });
        remoteTraffic.start(300);
        window.showTab(QStringLiteral("Charts"));
        QVERIFY(window.monitorRemote(QStringLiteral("127.0.0.1:%1").arg(remote->metricsPort())));
        QTest::qWait(4500);
        remoteTraffic.stop();
        QTRY_VERIFY(window.history().latest(QStringLiteral("second"), MetricsHistory::Connected).value_or(0) >= 10);
        QVERIFY(!shoot(QStringLiteral("Charts"), QStringLiteral("dashboard-remote.png")).isNull());

        // The Cluster tab: this node, the second qsoketi and soketi 1.6.1 (when this runs in a loopback-only
        // network namespace, as CTest starts it), else a node that is down; summed, then split by node.
        window.monitorLocal();
        ClusterMonitor *cluster = window.clusterMonitor();
        QCOMPARE(cluster->addNode(QStringLiteral("127.0.0.1:%1").arg(remote->metricsPort())), 1);
        test::SoketiProcess soketi;
        QString why;
        const bool withSoketi = soketi.start(&why);
        std::vector<std::unique_ptr<test::Client>> soketiClients;
        if (withSoketi) {
            QCOMPARE(cluster->addNode(QStringLiteral("127.0.0.1:%1").arg(soketi.metricsPort())), 2);
            for (int i = 0; i < 7; ++i)
                soketiClients.push_back(std::make_unique<test::Client>(soketi.port()));
        } else {
            qInfo("soketi not started (%s): the third node is one that is down", qPrintable(why));
            QVERIFY(cluster->addNode(QStringLiteral("127.0.0.1:%1").arg(test::SoketiProcess::freePort())) == 2);
        }
        traffic.start(40);
        for (int s = 0; s < 8; ++s) {
            QTest::qWait(1000);
            window.sampler()->sampleNow();
        }
        QTRY_COMPARE(cluster->upCount(), withSoketi ? 3 : 2);
        if (withSoketi)
            QTRY_COMPARE(cluster->node(2).health.connections, 7.0);
        if (withSoketi)
            QCOMPARE(cluster->node(2).health.server, QStringLiteral("soketi"));
        QCOMPARE(cluster->node(1).health.server, QStringLiteral("qsoketi"));
        window.clusterPanel()->setMode(ClusterPanel::Sum);
        QVERIFY(!shoot(QStringLiteral("Cluster"), QStringLiteral("dashboard-cluster.png")).isNull());
        window.clusterPanel()->setMode(ClusterPanel::SplitByNode);
        QVERIFY(!shoot(QStringLiteral("Cluster"), QStringLiteral("dashboard-cluster-split.png")).isNull());
        traffic.stop();

        // First start of a server nobody uses yet: the empty state says what to do.
        auto idle = test::startCore();
        DashboardWindow first(*idle);
        first.resize(1200, 700);
        first.show();
        QVERIFY(QTest::qWaitForWindowExposed(&first));
        first.showTab(QStringLiteral("Charts"));
        QVERIFY(first.emptyState()->isVisible());
        QTest::qWait(300);
        const QPixmap empty = first.screen()->grabWindow(first.winId());
        QVERIFY(empty.save(QStringLiteral(QSOKETI_ARTIFACTS_DIR "/dashboard-empty.png")));
    }
};

QTEST_MAIN(ScreenshotDashboard)
#include "screenshot_dashboard.moc"
