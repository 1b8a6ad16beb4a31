// SPDX-License-Identifier: GPL-3.0-or-later
// The dashboard's models on a real ServerCore with real clients: the counters table equals the
// /metrics text of the same snapshot, the channel tree lists channels and presence members, the
// console model is bounded and its filters work.
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSet>
#include <QTest>

#include "ActivityFilterProxyModel.h"
#include "ActivityLogModel.h"
#include "ChannelsModel.h"
#include "CountersTableModel.h"
#include "GuiTestSupport.h"
#include "MetricsHistory.h"
#include "PrometheusTextParser.h"
#include "StatusSampler.h"
#include "channels/ChannelsSnapshot.h"
#include "metrics/MetricsRegistry.h"
#include "metrics/PrometheusTextSerializer.h"
#include "server/PusherServer.h"

#include <prometheus/histogram.h>

using namespace qsoketi;

namespace {

// Sample lines of an exposition (no comments, no blank lines).
QStringList sampleLines(const QByteArray &text)
{
    QStringList lines;
    for (const QByteArray &line : text.split('\n'))
        if (!line.isEmpty() && !line.startsWith('#'))
            lines.append(QString::fromUtf8(line));
    return lines;
}

ActivityEvent makeEvent(ActivityEvent::Kind kind, const QString &app, const QString &channel, const QString &name,
    const QByteArray &payload = {})
{
    return ActivityEvent{0, kind, app, QStringLiteral("1.2"), channel, name, payload};
}

} // namespace

class TestDashboardModels final : public QObject
{
    Q_OBJECT

private slots:
    void countersTableEqualsMetricsText()
    {
        auto core = test::startCore();
        test::Client a(core->port()), b(core->port(), QStringLiteral("second-key"));
        QTRY_VERIFY(a.established() && b.established());
        a.subscribe(QStringLiteral("orders"));
        QTRY_VERIFY(a.has(QStringLiteral("pusher_internal:subscription_succeeded")));
        core->metrics().adapterForApp(QStringLiteral("app-id")).resolveTime->Observe(0.3); // a histogram too

        const MetricsSnapshot snapshot = core->metrics().collect();
        CountersTableModel model;
        model.setSnapshot(snapshot);
        const QStringList expected = sampleLines(PrometheusTextSerializer::serialize(snapshot));
        QStringList shown;
        for (const auto &row : model.rows())
            shown.append(CountersTableModel::sampleLine(row));
        QCOMPARE(shown, expected); // same lines, same order, same number formatting
        QCOMPARE(model.rowCount(), int(expected.size()));
        // And what the table displays is what the row says.
        const int last = model.rowCount() - 1;
        QCOMPARE(model.data(model.index(last, CountersTableModel::ValueColumn)).toString(), model.rows()[last].value);

        // The charts' gauge equals the text's connected series of that snapshot.
        MetricsHistory history;
        history.addSnapshot(snapshot);
        QVERIFY(expected.contains(QStringLiteral("soketi_connected{app_id=\"app-id\",port=\"%1\"} %2")
                                      .arg(core->metrics().serverPort())
                                      .arg(*history.latest(QStringLiteral("app-id"), MetricsHistory::Connected))));
        QCOMPARE(*history.latest(MetricsHistory::allApps(), MetricsHistory::Connected), 2.0);
    }

    void countersTableEqualsAScrape()
    {
        // The text a client really downloads from :9601/metrics, parsed, gives the same rows as that text.
        auto core = test::startCore();
        test::Client a(core->port());
        QTRY_VERIFY(a.established());
        QNetworkAccessManager network;
        QNetworkReply *reply =
            network.get(QNetworkRequest(QUrl(QStringLiteral("http://127.0.0.1:%1/metrics").arg(core->metricsPort()))));
        QTRY_VERIFY(reply->isFinished());
        const QByteArray text = reply->readAll();
        reply->deleteLater();
        CountersTableModel model;
        model.setSnapshot(PrometheusTextParser::parse(text).snapshot);
        QStringList shown;
        for (const auto &row : model.rows())
            shown.append(CountersTableModel::sampleLine(row));
        QCOMPARE(shown, sampleLines(text));
    }

    void countersTableKeepsRowsWhenOnlyValuesChange()
    {
        auto core = test::startCore();
        CountersTableModel model;
        model.setSnapshot(core->metrics().collect());
        int resets = 0, changes = 0;
        connect(&model, &QAbstractItemModel::modelReset, this, [&] { ++resets; });
        connect(&model, &QAbstractItemModel::dataChanged, this, [&] { ++changes; });
        model.setSnapshot(core->metrics().collect());
        QCOMPARE(resets, 0);
        QCOMPARE(changes, 1);
        core->metrics().forApp(QStringLiteral("new-app")); // new series: the table is rebuilt
        model.setSnapshot(core->metrics().collect());
        QCOMPARE(resets, 1);
    }

    void channelsTreeShowsChannelsAndMembers()
    {
        auto core = test::startCore();
        test::Client a(core->port()), b(core->port());
        QTRY_VERIFY(a.established() && b.established());
        a.subscribe(QStringLiteral("news"));
        b.subscribe(QStringLiteral("news"));
        const QString member = QStringLiteral("{\"user_id\":\"42\",\"user_info\":{\"name\":\"Ada\"}}");
        a.subscribePresence(QStringLiteral("presence-room"), member);
        QTRY_VERIFY(a.has(QStringLiteral("pusher_internal:subscription_succeeded"), QStringLiteral("presence-room")));
        QTRY_VERIFY(b.has(QStringLiteral("pusher_internal:subscription_succeeded"), QStringLiteral("news")));

        ChannelsModel model;
        model.refresh(ChannelsSnapshot::take(core->pusher().appStates(), StatusSampler::maxChannelsPerApp));
        QCOMPARE(model.rowCount(), 2); // app-id, second
        QStandardItem *app = model.item(0);
        QCOMPARE(app->text(), QStringLiteral("app-id"));
        QCOMPARE(model.item(0, ChannelsModel::SubscribersColumn)->text(), QStringLiteral("2")); // connections
        QCOMPARE(app->rowCount(), 2);
        QCOMPARE(app->child(0)->text(), QStringLiteral("news"));
        QCOMPARE(app->child(0, ChannelsModel::TypeColumn)->text(), QStringLiteral("public"));
        QCOMPARE(app->child(0, ChannelsModel::SubscribersColumn)->text(), QStringLiteral("2"));
        QStandardItem *presence = app->child(1);
        QCOMPARE(app->child(1, ChannelsModel::TypeColumn)->text(), QStringLiteral("presence"));
        QCOMPARE(presence->rowCount(), 1);
        QCOMPARE(presence->child(0)->text(), QStringLiteral("42"));
        QCOMPARE(presence->child(0, ChannelsModel::InfoColumn)->text(), QStringLiteral("{\"name\":\"Ada\"}"));

        // In-place refresh: the item for "news" survives, its count follows the server.
        QStandardItem *news = app->child(0);
        b.socket.close();
        QTRY_COMPARE(core->pusher().connectionCount(), 1);
        model.refresh(ChannelsSnapshot::take(core->pusher().appStates(), StatusSampler::maxChannelsPerApp));
        QCOMPARE(app->child(0), news);
        QCOMPARE(app->child(0, ChannelsModel::SubscribersColumn)->text(), QStringLiteral("1"));
        a.socket.close();
        QTRY_COMPARE(core->pusher().connectionCount(), 0);
        model.refresh(ChannelsSnapshot::take(core->pusher().appStates(), StatusSampler::maxChannelsPerApp));
        QCOMPARE(app->rowCount(), 0); // channels exist only while subscribed
    }

    void activityLogIsBoundedAndCoalesced()
    {
        ActivityLogModel model(100);
        int inserts = 0;
        connect(&model, &QAbstractItemModel::rowsInserted, this, [&] { ++inserts; });
        for (int batch = 0; batch < 10; ++batch) {
            QList<ActivityEvent> events;
            for (int i = 0; i < 30; ++i)
                events.append(makeEvent(ActivityEvent::Kind::ClientEvent, QStringLiteral("a"), QStringLiteral("c"),
                    QStringLiteral("e%1").arg(batch * 30 + i)));
            model.appendEvents(events);
        }
        QCOMPARE(model.rowCount(), 0); // nothing before the flush timer
        QVERIFY(model.pendingCount() <= 100);
        QTRY_COMPARE(model.rowCount(), 100);
        QCOMPARE(inserts, 1); // one insert for 300 events
        QCOMPARE(model.event(99).event, QStringLiteral("e299")); // the newest are kept
        QCOMPARE(model.event(0).event, QStringLiteral("e200"));
        QCOMPARE(model.totalReceived(), quint64(300));

        model.setPaused(true);
        model.appendEvents({makeEvent(ActivityEvent::Kind::Error, QStringLiteral("a"), {}, QStringLiteral("4009"))});
        QTest::qWait(ActivityLogModel::flushIntervalMs * 2);
        QCOMPARE(model.event(99).event, QStringLiteral("e299")); // paused: unchanged
        model.setPaused(false);
        QTRY_COMPARE(model.event(99).event, QStringLiteral("4009"));
        model.clear();
        QCOMPARE(model.rowCount(), 0);
    }

    void activityFiltersMatchAppChannelEventAndText()
    {
        ActivityLogModel model;
        ActivityFilterProxyModel proxy(&model);
        model.appendEvents({makeEvent(ActivityEvent::Kind::ApiEvent, QStringLiteral("a"), QStringLiteral("orders"),
                                QStringLiteral("created"), "{\"id\":7}"),
            makeEvent(ActivityEvent::Kind::ClientEvent, QStringLiteral("a"), QStringLiteral("private-chat"),
                QStringLiteral("client-typing"), "{\"who\":\"Ada\"}"),
            makeEvent(ActivityEvent::Kind::ApiEvent, QStringLiteral("b"), QStringLiteral("orders"),
                QStringLiteral("deleted"), "{\"id\":8}")});
        model.flush();
        QCOMPARE(proxy.rowCount(), 3);
        proxy.setAppFilter(QStringLiteral("a"));
        QCOMPARE(proxy.rowCount(), 2);
        proxy.setChannelFilter(QStringLiteral("ORDERS"));
        QCOMPARE(proxy.rowCount(), 1);
        proxy.setAppFilter({});
        proxy.setEventFilter(QStringLiteral("del"));
        QCOMPARE(proxy.rowCount(), 1);
        proxy.setChannelFilter({});
        proxy.setEventFilter({});
        proxy.setTextFilter(QStringLiteral("ada"));
        QCOMPARE(proxy.rowCount(), 1);
        QCOMPARE(proxy.index(0, ActivityLogModel::EventColumn).data().toString(), QStringLiteral("client-typing"));
        // New rows pass through the active filter too.
        model.appendEvents({makeEvent(ActivityEvent::Kind::ClientEvent, QStringLiteral("b"), QStringLiteral("x"),
            QStringLiteral("client-hi"), "{\"to\":\"ada\"}")});
        model.flush();
        QCOMPARE(proxy.rowCount(), 2);
    }
};

QTEST_MAIN(TestDashboardModels)
#include "tst_dashboardmodels.moc"
