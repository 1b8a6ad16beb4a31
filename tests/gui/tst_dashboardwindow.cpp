// SPDX-License-Identifier: GPL-3.0-or-later
// The whole window on a real ServerCore: charts follow registry snapshots, settings persist, pause and
// clear shortcuts, remote monitoring of another node, server panel, activity feed switched with the window.
#include <QAction>
#include <QElapsedTimer>
#include <QPlainTextEdit>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTest>

#include "ActivityConsoleWidget.h"
#include "ActivityLogModel.h"
#include "CountersTableModel.h"
#include "DashboardWindow.h"
#include "GuiTestSupport.h"
#include "MetricsPlotWidget.h"
#include "ServerPanel.h"
#include "StatusSampler.h"
#include "metrics/MetricsRegistry.h"
#include "server/ActivityFeed.h"
#include "server/PusherServer.h"

using namespace qsoketi;

class TestDashboardWindow final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("qsoketi-tests"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_dashboardwindow"));
        QSettings().clear();
    }

    void chartsFollowTheRegistry()
    {
        auto core = test::startCore();
        DashboardWindow window(*core);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QCOMPARE(window.size(), // first start: the default size, within the screen
            QSize(1280, 820).boundedTo(window.screen()->availableSize() * 0.9).expandedTo(window.minimumSizeHint()));

        test::Client a(core->port()), b(core->port());
        QTRY_VERIFY(a.established() && b.established());
        window.sampler()->sampleNow();
        QCOMPARE(*window.history().latest(MetricsHistory::allApps(), MetricsHistory::Connected), 2.0);
        const QList<QPointF> points = window.plot(DashboardWindow::ConnectedPlot)->seriesPoints(0);
        QVERIFY(!points.isEmpty());
        QCOMPARE(points.last().y(), 2.0);
        // The counters table shows that same snapshot.
        const auto expected = CountersTableModel::rowsOf(window.lastSnapshot());
        QCOMPARE(window.countersModel()->rowCount(), int(expected.size()));

        // Per-app filter: the second app has no connection.
        window.setAppFilter(QStringLiteral("second"));
        QCOMPARE(window.appFilter(), QStringLiteral("second"));
        QCOMPARE(window.plot(DashboardWindow::ConnectedPlot)->seriesPoints(0).last().y(), 0.0);
        window.setAppFilter({});

        // Pause (Ctrl+P): the charts and the console freeze, the history keeps recording.
        QTest::keyClick(&window, Qt::Key_P, Qt::ControlModifier);
        QVERIFY(window.isPaused());
        QVERIFY(window.console()->isPaused());
        const qsizetype before = window.plot(DashboardWindow::ConnectedPlot)->seriesPoints(0).size();
        a.socket.close();
        QTRY_COMPARE(core->pusher().connectionCount(), 1);
        window.sampler()->sampleNow();
        QCOMPARE(window.plot(DashboardWindow::ConnectedPlot)->seriesPoints(0).size(), before);
        QCOMPARE(*window.history().latest(MetricsHistory::allApps(), MetricsHistory::Connected), 1.0);
        QTest::keyClick(&window, Qt::Key_P, Qt::ControlModifier);
        QVERIFY(!window.isPaused());
        QCOMPARE(window.plot(DashboardWindow::ConnectedPlot)->seriesPoints(0).last().y(), 1.0);

        // Clear (Ctrl+L) empties the console.
        QTRY_VERIFY(window.console()->model()->rowCount() > 0); // the disconnect above
        QTest::keyClick(&window, Qt::Key_L, Qt::ControlModifier);
        QCOMPARE(window.console()->model()->rowCount(), 0);
    }

    void activityFeedFollowsTheWindow()
    {
        auto core = test::startCore();
        {
            DashboardWindow window(*core);
            QVERIFY(!core->activity().isEnabled());
            window.show();
            QVERIFY(core->activity().isEnabled());
            window.hide();
            QVERIFY(!core->activity().isEnabled());
            window.show();
        }
        QVERIFY(!core->activity().isEnabled()); // the server outlives the window at no cost
    }

    void rangeAndGeometryPersist()
    {
        auto core = test::startCore();
        {
            DashboardWindow window(*core);
            window.show();
            window.setRange(DashboardWindow::FifteenMinutes);
            window.resize(900, 600);
            QSignalSpy closed(&window, &DashboardWindow::closed);
            window.close();
            QCOMPARE(closed.size(), 1);
        }
        DashboardWindow again(*core);
        QCOMPARE(again.range(), DashboardWindow::FifteenMinutes);
        QCOMPARE(again.size(), QSize(900, 600));
        QCOMPARE(DashboardWindow::rangeMs(again.range()), 15 * 60 * 1000);
    }

    void monitorsARemoteNode()
    {
        auto local = test::startCore();
        auto remote = test::startCore(true, true); // soketi_<port>_… naming
        test::Client c1(remote->port()), c2(remote->port()), c3(remote->port());
        QTRY_VERIFY(c1.established() && c2.established() && c3.established());
        DashboardWindow window(*local);
        QVERIFY(!window.monitorRemote(QStringLiteral("http://")));
        QVERIFY(window.monitorRemote(QStringLiteral("127.0.0.1:%1").arg(remote->metricsPort())));
        QVERIFY(window.isRemote());
        QTRY_COMPARE(window.history().latest(MetricsHistory::allApps(), MetricsHistory::Connected).value_or(-1), 3.0);
        QTRY_COMPARE(window.plot(DashboardWindow::ConnectedPlot)->seriesPoints(0).value(0).y(), 3.0);
        // The local sampler no longer feeds the charts.
        window.sampler()->sampleNow();
        QCOMPARE(*window.history().latest(MetricsHistory::allApps(), MetricsHistory::Connected), 3.0);
        window.monitorLocal();
        QCOMPARE(*window.history().latest(MetricsHistory::allApps(), MetricsHistory::Connected), 0.0);
    }

    void aSampleCostsTheServerLittle()
    {
        // One sample = collect() + counters table + charts + channel tree. With 2,000 channels it must stay a
        // small fraction of the 1 s sampling period, so the server sharing the thread does not notice it.
        auto core = test::startCore();
        test::Client client(core->port());
        QTRY_VERIFY(client.established());
        for (int i = 0; i < 2000; ++i)
            client.subscribe(QStringLiteral("channel-%1").arg(i));
        QTRY_COMPARE_WITH_TIMEOUT(
            int(core->pusher().appState(QStringLiteral("app-id"))->channels().size()), 2000, 10000);
        DashboardWindow window(*core);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.showTab(QStringLiteral("Channels"));
        window.sampler()->sampleNow(); // first fill builds the tree
        QElapsedTimer timer;
        timer.start();
        const int samples = 5;
        for (int i = 0; i < samples; ++i)
            window.sampler()->sampleNow();
        const double perSample = double(timer.nsecsElapsed()) / 1e6 / samples;
        qInfo("one dashboard sample with 2000 channels: %.2f ms", perSample);
        QVERIFY2(perSample < 50, qPrintable(QString::number(perSample)));
    }

    void serverPanelHidesSecretsUntilAsked()
    {
        auto core = test::startCore();
        DashboardWindow window(*core);
        ServerPanel *panel = window.serverPanel();
        QVERIFY(panel->snippet().contains(QStringLiteral("new Pusher('app-key'")));
        QVERIFY(panel->snippet().contains(QStringLiteral("wsPort: %1").arg(core->port())));
        QVERIFY(panel->snippet().contains(QStringLiteral("broadcaster: 'pusher'")));
        QVERIFY(!panel->snippet().contains(QStringLiteral("app-secret")));
        QCOMPARE(panel->appsTable()->item(0, 2)->text().contains(QStringLiteral("secret")), false);
        panel->setSecretsVisible(true);
        QVERIFY(panel->snippet().contains(QStringLiteral("PUSHER_APP_SECRET=app-secret")));
        QCOMPARE(panel->appsTable()->item(0, 2)->text(), QStringLiteral("app-secret"));
        QCOMPARE(ServerPanel::formatUptime(90061000), QStringLiteral("1 d 01:01:01"));
        QCOMPARE(ServerPanel::dialableHost(QStringLiteral("0.0.0.0")), QStringLiteral("127.0.0.1"));
    }
};

QTEST_MAIN(TestDashboardWindow)
#include "tst_dashboardwindow.moc"
