// SPDX-License-Identifier: GPL-3.0-or-later
// The event creator end to end: a WebSocket client subscribed on a real ServerCore receives the event
// sent from the form, and the console and the counters show it like any API event.
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>

#include "ActivityConsoleWidget.h"
#include "ActivityLogModel.h"
#include "DashboardWindow.h"
#include "EventCreatorWidget.h"
#include "GuiTestSupport.h"
#include "StatusSampler.h"
#include "metrics/MetricsRegistry.h"

#include <prometheus/counter.h>

using namespace qsoketi;

namespace {

double wsMessagesSent(ServerCore &core)
{
    for (const auto &family : core.metrics().collect().families)
        if (family.name == "soketi_ws_messages_sent_total") {
            double sum = 0;
            for (const auto &m : family.metric)
                sum += m.counter.value;
            return sum;
        }
    return -1;
}

} // namespace

class TestEventCreator final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void formSendsToASubscribedClient()
    {
        auto core = test::startCore();
        test::Client client(core->port());
        QTRY_VERIFY(client.established());
        client.subscribe(QStringLiteral("orders"));
        QTRY_VERIFY(client.has(QStringLiteral("pusher_internal:subscription_succeeded"), QStringLiteral("orders")));

        DashboardWindow window(*core);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const double sentBefore = wsMessagesSent(*core);

        EventCreatorWidget *creator = window.eventCreator();
        creator->appBox()->setCurrentIndex(creator->appBox()->findData(QStringLiteral("app-id")));
        creator->channelEdit()->setText(QStringLiteral("orders"));
        creator->eventEdit()->setText(QStringLiteral("order.shipped"));
        creator->dataEdit()->setPlainText(QStringLiteral("{\"id\":42}"));
        QSignalSpy sent(creator, &EventCreatorWidget::sent);
        QTest::mouseClick(creator->sendButton(), Qt::LeftButton);
        QCOMPARE(sent.size(), 1);
        QCOMPARE(sent.first().at(0).toInt(), 200);
        QVERIFY(creator->resultLabel()->text().startsWith(QStringLiteral("200")));

        // The subscriber receives exactly what POST /events would have sent.
        QTRY_VERIFY(client.has(QStringLiteral("order.shipped"), QStringLiteral("orders")));
        QCOMPARE(client.find(QStringLiteral("order.shipped")).value(QStringLiteral("data")).toString(),
            QStringLiteral("{\"id\":42}"));

        // The console shows the API event (the feed was enabled by showing the window).
        ActivityLogModel *log = window.console()->model();
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                for (int row = 0; row < log->rowCount(); ++row)
                    if (log->event(row).kind == ActivityEvent::Kind::ApiEvent
                        && log->event(row).event == QStringLiteral("order.shipped")
                        && log->event(row).channel == QStringLiteral("orders"))
                        return true;
                return false;
            }(),
            3000);
        // The counters count the delivery.
        QCOMPARE(wsMessagesSent(*core), sentBefore + 1);
    }

    void errorsAreShownNotThrown()
    {
        auto core = test::startCore();
        DashboardWindow window(*core);
        EventCreatorWidget *creator = window.eventCreator();
        int status = 0;
        creator->send(QStringLiteral("nope"), QStringLiteral("c"), QStringLiteral("e"), QStringLiteral("{}"),
            [&status](const HttpResponse &response) { status = response.status; });
        QCOMPARE(status, 404); // the config's apps answer at once
        QSignalSpy sent(creator, &EventCreatorWidget::sent);
        creator->channelEdit()->clear();
        QTest::mouseClick(creator->sendButton(), Qt::LeftButton);
        QVERIFY(sent.isEmpty()); // checked before sending
        QVERIFY(creator->resultLabel()->text().contains(QStringLiteral("required")));
        // The server's own validation answers through the same path as POST /events.
        creator->channelEdit()->setText(QStringLiteral("c"));
        creator->eventEdit()->setText(QString(300, QLatin1Char('e')));
        QTest::mouseClick(creator->sendButton(), Qt::LeftButton);
        QCOMPARE(sent.size(), 1);
        QCOMPARE(sent.first().at(0).toInt(), 400);
        QVERIFY(creator->resultLabel()->text().contains(QStringLiteral("Event name is too long")));
    }
};

QTEST_MAIN(TestEventCreator)
#include "tst_eventcreator.moc"
