// SPDX-License-Identifier: GPL-3.0-or-later
// The Cluster tab: nodes added by their /metrics URL and remembered across a restart of the window, health
// read from real scrapes of real qsoketi nodes (this process without HTTP), the cluster summed or split by
// node, a node that stops (or hangs) turning "down" with exactly one node-down alert, counted in the
// registry's /metrics output.
#include <QApplication>
#include <QComboBox>
#include <QElapsedTimer>
#include <QLabel>
#include <QLineEdit>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTcpServer>
#include <QTest>

#include "AlertMonitor.h"
#include "ClusterMonitor.h"
#include "ClusterNodesModel.h"
#include "ClusterPanel.h"
#include "DashboardWindow.h"
#include "GuiTestSupport.h"
#include "MetricsPlotWidget.h"
#include "StatusSampler.h"
#include "metrics/MetricsRegistry.h"

using namespace qsoketi;

namespace {

QString metricsUrl(const ServerCore &core)
{
    return QStringLiteral("http://127.0.0.1:%1/metrics").arg(core.metricsPort());
}

QByteArray get(const QString &url)
{
    QNetworkAccessManager network;
    QNetworkReply *reply = network.get(QNetworkRequest(QUrl(url)));
    QSignalSpy finished(reply, &QNetworkReply::finished);
    finished.wait(5000);
    const QByteArray body = reply->readAll();
    delete reply;
    return body;
}

double lastY(const QList<QPointF> &points)
{
    return points.isEmpty() ? -1 : points.constLast().y();
}

} // namespace

class TestClusterView : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }
    void init()
    {
        QSettings settings;
        settings.remove(QStringLiteral("cluster"));
        settings.remove(QStringLiteral("alerts"));
    }
    void cleanup() { init(); }

    void nodeListIsRememberedAcrossARestartOfTheWindow()
    {
        auto core = test::startCore();
        auto other = test::startCore();
        QTcpServer dead; // a port nobody answers on once closed: a node that is down from the start
        QVERIFY(dead.listen(QHostAddress::LocalHost));
        const QString deadUrl = QStringLiteral("127.0.0.1:%1").arg(dead.serverPort());
        dead.close();
        {
            DashboardWindow window(*core);
            ClusterPanel *panel = window.clusterPanel();
            QCOMPARE(panel->model()->rowCount(), 1); // this server, always
            QVERIFY(window.clusterMonitor()->node(0).local);

            panel->urlEdit()->setText(QStringLiteral("127.0.0.1:%1").arg(other->metricsPort()));
            panel->addButton()->click();
            QCOMPARE(panel->model()->rowCount(), 2);
            QVERIFY(panel->urlEdit()->text().isEmpty());
            QCOMPARE(window.clusterMonitor()->node(1).url.toString(), metricsUrl(*other)); // completed
            // The same node twice, or no URL at all, is refused.
            panel->urlEdit()->setText(metricsUrl(*other));
            panel->addButton()->click();
            panel->urlEdit()->setText(QStringLiteral("http://"));
            panel->addButton()->click();
            QCOMPARE(panel->model()->rowCount(), 2);

            panel->urlEdit()->setText(deadUrl);
            panel->addButton()->click();
            QCOMPARE(panel->model()->rowCount(), 3);
            QTRY_COMPARE(
                panel->model()->index(1, ClusterNodesModel::StatusColumn).data().toString(), QStringLiteral("up"));
            QTRY_COMPARE(
                panel->model()->index(2, ClusterNodesModel::StatusColumn).data().toString(), QStringLiteral("down"));

            // This server cannot be removed; a remote node can.
            panel->table()->selectRow(0);
            panel->removeButton()->click();
            QCOMPARE(panel->model()->rowCount(), 3);
            panel->table()->selectRow(2);
            panel->removeButton()->click();
            QCOMPARE(panel->model()->rowCount(), 2);
        }
        DashboardWindow again(*core);
        QCOMPARE(again.clusterMonitor()->count(), 2);
        QCOMPARE(again.clusterMonitor()->node(1).url.toString(), metricsUrl(*other));
        QTRY_COMPARE(again.clusterMonitor()->node(1).state, ClusterMonitor::State::Up);
    }

    void healthFromRealScrapesAndOneAlertWhenANodeStops()
    {
        AlertMonitor::Rules rules;
        rules.cooldownMs = 60 * 60 * 1000;
        QSettings().setValue(QStringLiteral("alerts/cooldownSeconds"), rules.cooldownMs / 1000);
        auto core = test::startCore();
        auto other = test::startCore(true, true); // soketi_<port>_… naming, like soketi's docs
        test::Client c1(other->port()), c2(other->port()), local(core->port());
        QTRY_VERIFY(c1.established() && c2.established() && local.established());

        DashboardWindow window(*core);
        ClusterMonitor *cluster = window.clusterMonitor();
        ClusterPanel *panel = window.clusterPanel();
        QSignalSpy raised(window.alertMonitor(), &AlertMonitor::alertRaised);
        QVERIFY(cluster->addNode(metricsUrl(*other)) == 1);
        QTRY_COMPARE(cluster->node(1).state, ClusterMonitor::State::Up);
        QTRY_COMPARE(cluster->node(1).health.connections, 2.0);
        QVERIFY(cluster->node(1).health.memoryBytes > 1e6);
        QVERIFY(cluster->node(1).health.eventLoopLagSeconds >= 0);
        QVERIFY(cluster->node(1).lastScrapeMs > 0);
        window.sampler()->sampleNow();
        QTRY_COMPARE(cluster->node(0).state, ClusterMonitor::State::Up);
        QTRY_COMPARE(cluster->node(0).health.connections, 1.0);
        const ClusterNodesModel *model = panel->model();
        QCOMPARE(model->index(1, ClusterNodesModel::ServerColumn).data().toString(), QStringLiteral("qsoketi"));
        QCOMPARE(model->index(1, ClusterNodesModel::ConnectionsColumn).data().toString(), QStringLiteral("2"));
        QVERIFY(model->index(1, ClusterNodesModel::MemoryColumn).data().toString().contains(QStringLiteral("MiB")));
        QVERIFY(model->index(1, ClusterNodesModel::LagColumn).data().toString().endsWith(QStringLiteral(" ms")));
        QVERIFY(model->index(1, ClusterNodesModel::LastScrapeColumn).data().toString().endsWith(QStringLiteral("ago")));

        // Summed over the cluster: 1 here + 2 there. Split by node: one line each.
        panel->setMode(ClusterPanel::Sum);
        QTRY_COMPARE(lastY(panel->plot(ClusterPanel::ConnectedPlot)->seriesPoints(0)), 3.0);
        panel->setMode(ClusterPanel::SplitByNode);
        QCOMPARE(panel->plot(ClusterPanel::ConnectedPlot)->seriesCount(), 2);
        QTRY_COMPARE(lastY(panel->plot(ClusterPanel::ConnectedPlot)->seriesPoints(1)), 2.0);
        QCOMPARE(raised.count(), 0);

        // The node stops: down within three scrape intervals, one alert, the GUI thread never blocked.
        const quint16 otherMetricsPort = other->metricsPort();
        other.reset();
        QElapsedTimer clock;
        clock.start();
        QTRY_COMPARE_WITH_TIMEOUT(cluster->node(1).state, ClusterMonitor::State::Down, 8000);
        QVERIFY(clock.elapsed() < cluster->downAfterMs() + 2000);
        QTRY_COMPARE(raised.count(), 1);
        const auto alert = raised.first().first().value<AlertMonitor::Alert>();
        QCOMPARE(alert.key, QStringLiteral("node_down/http://127.0.0.1:%1/metrics").arg(otherMetricsPort));
        QCOMPARE(AlertMonitor::ruleOf(alert.key), QStringLiteral("node_down"));
        QTest::qWait(int(cluster->downAfterMs()) + 500); // more failed scrapes: the same incident
        QCOMPARE(raised.count(), 1);
        QCOMPARE(cluster->node(1).state, ClusterMonitor::State::Down);
        QCOMPARE(panel->summary()->text(), QStringLiteral("1 of 2 nodes up"));

        // /metrics of this node counts it.
        const QByteArray metrics = get(metricsUrl(*core));
        QVERIFY2(metrics.contains("# TYPE soketi_dashboard_alerts_total counter"), metrics.constData());
        QByteArray line;
        for (const QByteArray &l : metrics.split('\n'))
            if (l.startsWith("soketi_dashboard_alerts_total{") && l.contains("rule=\"node_down\""))
                line = l;
        QVERIFY2(line.endsWith(" 1"), line.constData());
        QVERIFY(line.contains(QStringLiteral("port=\"%1\"").arg(core->metrics().serverPort()).toUtf8()));
    }

    void aHangingNodeIsDownNotAHang()
    {
        // Accepts the connection, never answers: the transfer would wait; the node is down after three
        // intervals and the event loop keeps running meanwhile.
        QTcpServer silent;
        QVERIFY(silent.listen(QHostAddress::LocalHost));
        ClusterMonitor cluster(QStringLiteral("here"), 200);
        QCOMPARE(cluster.addNode(QStringLiteral("127.0.0.1:%1").arg(silent.serverPort())), 1);
        QSignalSpy ticks(&cluster, &ClusterMonitor::ticked);
        QTRY_COMPARE_WITH_TIMEOUT(cluster.node(1).state, ClusterMonitor::State::Down, 3000);
        QVERIFY(ticks.count() >= 3);
        QVERIFY(!cluster.node(1).error.isEmpty()); // "no answer for …" or the transfer timeout
    }

    void nodeDownRuleOncePerCooldown()
    {
        AlertMonitor monitor;
        AlertMonitor::Rules rules;
        rules.cooldownMs = 60 * 1000;
        monitor.setRules(rules);
        QSignalSpy raised(&monitor, &AlertMonitor::alertRaised);
        const QString url = QStringLiteral("http://10.0.0.2:9601/metrics");
        monitor.evaluateNode(url, QStringLiteral("b"), true, 1000);
        monitor.evaluateNode(url, QStringLiteral("b"), true, 2000);
        monitor.evaluateNode(url, QStringLiteral("b"), false, 3000);
        monitor.evaluateNode(url, QStringLiteral("b"), true, 4000); // flapping within the cool-down
        QCOMPARE(raised.count(), 1);
        monitor.evaluateNode(url, QStringLiteral("b"), false, 70000);
        monitor.evaluateNode(url, QStringLiteral("b"), true, 71000); // a new incident after it
        QCOMPARE(raised.count(), 2);
        rules.nodeDown = false;
        monitor.setRules(rules);
        monitor.evaluateNode(QStringLiteral("http://other/metrics"), QStringLiteral("c"), true, 72000);
        QCOMPARE(raised.count(), 2);
    }
};

QTEST_MAIN(TestClusterView)
#include "tst_clusterview.moc"
