// SPDX-License-Identifier: GPL-3.0-or-later
// The dashboard's Webhooks tab on a real WebhookSender posting to a real HTTP receiver: the delivery
// log with every attempt, the filters, Replay (a new signed delivery of the same events), and the tab
// in the dashboard window of a running server.
#include <QComboBox>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTest>

#include "DashboardWindow.h"
#include "DeliveryLogModel.h"
#include "LoopbackConfig.h"
#include "ServerCore.h"
#include "ServerThread.h"
#include "WebhookReceiver.h"
#include "WebhooksWidget.h"
#include "metrics/MetricsRegistry.h"
#include "webhooks/WebhookSender.h"

using namespace qsoketi;
using Receiver = qsoketi::test::WebhookReceiver;

namespace {

App appWithHook(const QString &id, const QString &url)
{
    return test::appWithWebhooks(id,
        {QJsonObject{{QStringLiteral("url"), url},
            {QStringLiteral("event_types"), QJsonArray{QStringLiteral("channel_occupied")}}}});
}

} // namespace

class TestWebhooksTab final : public QObject
{
    Q_OBJECT

private slots:
    // The window keeps settings and a chart history: never the user's.
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }
    void showsAttemptsFiltersAndReplays()
    {
        Receiver receiver;
        receiver.statuses = {500};
        MetricsRegistry metrics(MetricsConfig{}, 6001);
        WebhookSender::Options options;
        options.retry.firstDelayMs = 50;
        WebhookSender sender(options, metrics);
        const App a = appWithHook(QStringLiteral("a"), receiver.url(QStringLiteral("/a")));
        const App b = appWithHook(QStringLiteral("b"), receiver.url(QStringLiteral("/b")));
        sender.channelOccupied(a, QStringLiteral("orders"));
        QTRY_COMPARE(sender.deliveredCount(), 1);
        sender.channelOccupied(b, QStringLiteral("news"));
        QTRY_COMPARE(sender.deliveredCount(), 2);

        WebhooksWidget tab(sender);
        tab.show();
        DeliveryLogModel &model = *tab.model();
        QCOMPARE(model.rowCount(), 2); // on one thread the first read is answered at once
        QCOMPARE(model.index(0, DeliveryLogModel::AppColumn).data().toString(), QStringLiteral("b")); // newest first
        const int row = model.rowOf(1);
        QCOMPARE(model.index(row, DeliveryLogModel::AttemptsColumn).data().toInt(), 2);
        QCOMPARE(model.index(row, DeliveryLogModel::OutcomeColumn).data().toString(), QStringLiteral("delivered"));
        QCOMPARE(model.index(row, DeliveryLogModel::ResultColumn).data().toString(), QStringLiteral("200"));
        QCOMPARE(model.index(row, DeliveryLogModel::EventsColumn).data().toString(),
            QStringLiteral("channel_occupied orders"));

        // Every attempt of the selected delivery.
        QVERIFY(!tab.replayButton()->isEnabled());
        tab.table()->selectRow(row);
        QVERIFY(tab.replayButton()->isEnabled());
        QVERIFY2(tab.details()->toPlainText().contains(u"attempt 1 at"), qPrintable(tab.details()->toPlainText()));
        QVERIFY(tab.details()->toPlainText().contains(u"HTTP 500"));
        QVERIFY(tab.details()->toPlainText().contains(u"attempt 2 at"));

        // Filters: app, outcome, text.
        tab.appBox()->setCurrentIndex(tab.appBox()->findData(QStringLiteral("a")));
        QCOMPARE(model.rowCount(), 1);
        tab.outcomeBox()->setCurrentIndex(tab.outcomeBox()->findData(QStringLiteral("failed")));
        QCOMPARE(model.rowCount(), 0);
        tab.outcomeBox()->setCurrentIndex(0);
        tab.appBox()->setCurrentIndex(0);
        tab.searchEdit()->setText(QStringLiteral("news"));
        QCOMPARE(model.rowCount(), 1);
        tab.searchEdit()->clear();
        QCOMPARE(model.rowCount(), 2);

        // Replay: pressing the button sends the events again, with a valid new signature.
        tab.table()->selectRow(model.rowOf(1));
        QTest::mouseClick(tab.replayButton(), Qt::LeftButton);
        QTRY_VERIFY2(tab.statusLabel()->text().startsWith(u"Replayed delivery 1 as delivery 3"),
            qPrintable(tab.statusLabel()->text()));
        QTRY_COMPARE(receiver.at(QStringLiteral("/a")).size(), 3);
        QVERIFY(receiver.at(QStringLiteral("/a")).last().signedWith("a-secret"));
        QCOMPARE(receiver.at(QStringLiteral("/a")).last().events(), receiver.at(QStringLiteral("/a")).first().events());
        QTRY_COMPARE(model.rowCount(), 3); // the tab re-reads the log once a second
        QTRY_COMPARE(model.index(model.rowOf(3), DeliveryLogModel::OutcomeColumn).data().toString(),
            QStringLiteral("delivered (replay of 1)"));
    }

    void tabInTheDashboard()
    {
        Receiver receiver;
        ServerConfig config = qsoketi::test::loopbackConfig();
        config.apps = {appWithHook(QStringLiteral("app-id"), receiver.url(QStringLiteral("/h")))};
        ServerCore core(config);
        QString error;
        QVERIFY2(core.start(&error), qPrintable(error));
        DashboardWindow window(core);
        auto *tabs = window.findChild<QTabWidget *>();
        QVERIFY(tabs);
        int index = -1;
        for (int i = 0; i < tabs->count(); ++i)
            if (tabs->tabText(i) == QLatin1String("Webhooks"))
                index = i;
        QVERIFY(index >= 0);
        auto *tab = qobject_cast<WebhooksWidget *>(tabs->widget(index));
        QVERIFY(tab);
        core.webhooks().channelOccupied(config.apps.first(), QStringLiteral("room"));
        QTRY_COMPARE(tab->model()->rowCount(), 1);
    }

    // Desktop mode: the server on its own thread, the tab on this one; reads and replays cross over.
    void acrossThreads()
    {
        Receiver receiver;
        ServerConfig config = qsoketi::test::loopbackConfig();
        config.apps = {appWithHook(QStringLiteral("app-id"), receiver.url(QStringLiteral("/h")))};
        ServerThread server;
        QString error;
        QVERIFY2(server.start(config, &error), qPrintable(error));
        ServerCore *core = &server.core();
        WebhooksWidget tab(core->webhooks());
        QMetaObject::invokeMethod(
            core, [core, app = config.apps.first()] { core->webhooks().channelOccupied(app, QStringLiteral("room")); });
        QTRY_COMPARE(tab.model()->rowCount(), 1); // the once-a-second read
        QTRY_COMPARE(
            tab.model()->index(0, DeliveryLogModel::OutcomeColumn).data().toString(), QStringLiteral("delivered"));
        tab.table()->selectRow(0);
        tab.replaySelected();
        QTRY_VERIFY2(tab.statusLabel()->text().startsWith(u"Replayed delivery 1 as delivery 2"),
            qPrintable(tab.statusLabel()->text()));
        QTRY_COMPARE(receiver.requests.size(), 2); // the receiver lives on this thread: its loop runs here
        QTRY_COMPARE(tab.model()->rowCount(), 2);
    }
};

QTEST_MAIN(TestWebhooksTab)
#include "tst_webhookstab.moc"
