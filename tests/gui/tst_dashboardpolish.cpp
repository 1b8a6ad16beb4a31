// SPDX-License-Identifier: GPL-3.0-or-later
// First-start empty state, menus and keyboard shortcuts, the dark palette followed by the charts and the
// console, and the Laravel 11+ snippet.
#include <QAction>
#include <QApplication>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTest>

#include "ActivityConsoleWidget.h"
#include "ActivityLogModel.h"
#include "DashboardMenus.h"
#include "DashboardWindow.h"
#include "GuiTestSupport.h"
#include "MetricsPlotWidget.h"
#include "ServerPanel.h"
#include "StatusSampler.h"
#include "server/PusherServer.h"

using namespace qsoketi;

class TestDashboardPolish : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void emptyStateUntilTheFirstClient()
    {
        auto core = test::startCore();
        DashboardWindow window(*core);
        window.sampler()->stop();
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.emptyState()->isVisible());
        QVERIFY(window.emptyState()->text().contains(QStringLiteral("No clients yet")));
        QVERIFY(window.emptyState()->text().contains(
            QStringLiteral("ws://127.0.0.1:%1/app/app-key?protocol=7").arg(core->port())));
        emit window.emptyState()->linkActivated(QStringLiteral("server"));
        QCOMPARE(window.tabs()->currentWidget(), window.serverPanel());
        test::Client client(core->port());
        QTRY_VERIFY(client.established());
        window.sampler()->sampleNow();
        QVERIFY(!window.emptyState()->isVisible());
        client.socket.close();
        QTRY_COMPARE(core->pusher().connectionCount(), 0);
        window.sampler()->sampleNow();
        QVERIFY(window.emptyState()->isVisible());
    }

    void menusAndShortcuts()
    {
        auto core = test::startCore();
        DashboardWindow window(*core);
        window.show();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        QStringList menus;
        for (QAction *action : window.menuBar()->actions())
            menus.append(action->text().remove(u'&'));
        QCOMPARE(menus, (QStringList{QStringLiteral("File"), QStringLiteral("View"), QStringLiteral("Help")}));
        QVERIFY(window.menus()->aboutAction()->text().contains(QStringLiteral("About")));
        QVERIFY(DashboardMenus::shortcutsText().contains(QStringLiteral("Ctrl+Q")));

        QTest::keyClick(&window, Qt::Key_3, Qt::ControlModifier);
        QCOMPARE(window.tabs()->currentIndex(), 2);
        QTest::keyClick(&window, Qt::Key_1, Qt::ControlModifier);
        QCOMPARE(window.tabs()->currentIndex(), 0);
        QTest::keyClick(&window, Qt::Key_F, Qt::ControlModifier);
        QCOMPARE(window.tabs()->currentWidget(), window.console());
        QTRY_COMPARE(QApplication::focusWidget(), window.console()->textEdit());

        // The About box opens without a nested event loop: this line is reached with it open.
        window.menus()->aboutAction()->trigger();
        QWidget *about = QApplication::activeModalWidget();
        QTRY_VERIFY((about = QApplication::activeModalWidget()) != nullptr);
        about->close();

        QSignalSpy closed(&window, &DashboardWindow::closed);
        QTest::keyClick(&window, Qt::Key_Q, Qt::ControlModifier);
        QCOMPARE(closed.size(), 1);
    }

    void darkPaletteIsFollowed()
    {
        auto core = test::startCore();
        DashboardWindow window(*core);
        QVERIFY(!window.plot(DashboardWindow::ConnectedPlot)->isDark());
        const QPalette light = QApplication::palette();
        QPalette dark;
        dark.setColor(QPalette::Window, QColor(0x20, 0x20, 0x24));
        dark.setColor(QPalette::Base, QColor(0x18, 0x18, 0x1c));
        dark.setColor(QPalette::WindowText, Qt::white);
        dark.setColor(QPalette::Text, Qt::white);
        QApplication::setPalette(dark);
        QTRY_VERIFY(window.plot(DashboardWindow::ConnectedPlot)->isDark());
        QVERIFY(window.plot(DashboardWindow::ApiCallsPlot)->isDark());
        // The console's kind colours are readable on the dark base too.
        ActivityEvent e;
        e.kind = ActivityEvent::Kind::Error;
        window.console()->appendEvents({e});
        window.console()->model()->flush();
        const QColor error = window.console()
                                 ->model()
                                 ->index(0, ActivityLogModel::KindColumn)
                                 .data(Qt::ForegroundRole)
                                 .value<QBrush>()
                                 .color();
        QVERIFY(error.lightness() > 128);
        QApplication::setPalette(light);
        QTRY_VERIFY(!window.plot(DashboardWindow::ConnectedPlot)->isDark());
    }

    void axesUseTheTitlesNumberStyle()
    {
        QCOMPARE(MetricsPlotWidget::shortNumber(1234), QStringLiteral("1234"));
        QCOMPARE(MetricsPlotWidget::shortNumber(20000), QStringLiteral("20k"));
        QCOMPARE(MetricsPlotWidget::shortNumber(1500000), QStringLiteral("1.5M"));
        QCOMPARE(MetricsPlotWidget::shortNumber(0.25), QStringLiteral("0.25"));
        MetricsPlotWidget plot(QStringLiteral("Bytes/s"), {QStringLiteral("in")});
        plot.setSeriesPoints(0, {{1000, 12000}, {2000, 45000}});
        QCOMPARE(plot.axisLabels(),
            (QStringList{QStringLiteral("0"), QStringLiteral("10k"), QStringLiteral("20k"), QStringLiteral("30k"),
                QStringLiteral("40k"), QStringLiteral("50k")}));
        plot.setSeriesPoints(0, {{1000, 3}, {2000, 17}});
        QCOMPARE(plot.axisLabels(),
            (QStringList{QStringLiteral("0"), QStringLiteral("5"), QStringLiteral("10"), QStringLiteral("15"),
                QStringLiteral("20")}));
    }

    void laravelElevenSnippet()
    {
        App app;
        app.id = QStringLiteral("app-id");
        app.key = QStringLiteral("app-key");
        app.secret = QStringLiteral("app-secret");
        const QString snippet = ServerPanel::clientSnippet(QStringLiteral("127.0.0.1"), 6001, app, false);
        QVERIFY(snippet.contains(QStringLiteral("\nBROADCAST_CONNECTION=pusher\n")));
        QVERIFY(snippet.contains(QStringLiteral("\nVITE_PUSHER_APP_KEY=\"${PUSHER_APP_KEY}\"\n")));
        QVERIFY(snippet.contains(QStringLiteral("\nVITE_PUSHER_HOST=\"${PUSHER_HOST}\"\n")));
        QVERIFY(snippet.contains(QStringLiteral("\nVITE_PUSHER_PORT=\"${PUSHER_PORT}\"\n")));
        QVERIFY(snippet.contains(QStringLiteral("\nPUSHER_PORT=6001\n")));
        QVERIFY(!snippet.contains(QStringLiteral("app-secret")));
    }
};

QTEST_MAIN(TestDashboardPolish)
#include "tst_dashboardpolish.moc"
