// SPDX-License-Identifier: GPL-3.0-or-later
// Alert rules fire once per incident, with a cool-down: connections near an app's maxConnections on a real
// server, errors by code per minute, event-loop lag and failed webhook deliveries; the window shows an
// alert as a console row.
#include <QAction>
#include <QApplication>
#include <QDoubleSpinBox>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTest>

#include "ActivityConsoleWidget.h"
#include "ActivityLogModel.h"
#include "AlertMonitor.h"
#include "AlertRulesDialog.h"
#include "DashboardMenus.h"
#include "DashboardWindow.h"
#include "GuiTestSupport.h"
#include "StatusSampler.h"
#include "server/PusherServer.h"

#include <prometheus/metric_family.h>

using namespace qsoketi;

namespace {

MetricsSnapshot snapshot(qint64 timeMs, const std::string &family, prometheus::MetricType type, double value,
    const prometheus::ClientMetric::Label &extra = {"outcome", "failed"})
{
    prometheus::ClientMetric metric;
    metric.label = {{"app_id", "app-id"}, {"port", "6001"}, extra};
    metric.gauge.value = value;
    metric.counter.value = value;
    MetricsSnapshot s;
    s.takenAtMs = timeMs;
    s.families.push_back({family, "help", type, {metric}});
    return s;
}

ActivityEvent error(qint64 timeMs, const QString &code)
{
    ActivityEvent e;
    e.timeMs = timeMs;
    e.kind = ActivityEvent::Kind::Error;
    e.appId = QStringLiteral("app-id");
    e.event = code;
    return e;
}

} // namespace

class TestAlertMonitor : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void connectionsNearTheLimitAlertOncePerIncident()
    {
        auto core = test::startCore();
        StatusSampler sampler(*core, 1000);
        AlertMonitor monitor;
        AlertMonitor::Rules rules;
        rules.connectionsPercent = 75;
        rules.cooldownMs = 60 * 60 * 1000;
        monitor.setRules(rules);
        monitor.setConnectionLimits({{QStringLiteral("app-id"), 4}, {QStringLiteral("second"), -1}});
        connect(&sampler, &StatusSampler::metricsSampled, &monitor, &AlertMonitor::evaluateSnapshot);
        QSignalSpy raised(&monitor, &AlertMonitor::alertRaised);

        std::vector<std::unique_ptr<test::Client>> clients;
        const auto connectOne = [&] {
            clients.push_back(std::make_unique<test::Client>(core->port()));
            QTRY_VERIFY(clients.back()->established());
        };
        connectOne();
        connectOne();
        sampler.sampleNow();
        QCOMPARE(raised.size(), 0); // 50 %
        connectOne();
        sampler.sampleNow();
        QCOMPARE(raised.size(), 1); // 75 %: the incident starts
        const auto alert = raised.first().first().value<AlertMonitor::Alert>();
        QCOMPARE(alert.key, QStringLiteral("connections/app-id"));
        QCOMPARE(alert.appId, QStringLiteral("app-id"));
        QVERIFY2(alert.message.contains(QStringLiteral("3 of its 4")), qPrintable(alert.message));
        connectOne();
        sampler.sampleNow();
        sampler.sampleNow();
        QCOMPARE(raised.size(), 1); // the same incident, however long it lasts

        // Over, and back within the cool-down: not announced again.
        clients.pop_back();
        clients.pop_back();
        QTRY_COMPARE(core->pusher().connectionCount(), 2);
        sampler.sampleNow();
        QVERIFY(monitor.activeKeys().isEmpty());
        connectOne();
        sampler.sampleNow();
        QCOMPARE(raised.size(), 1);
        QCOMPARE(monitor.activeKeys(), QStringList{QStringLiteral("connections/app-id")});

        // With the cool-down passed (none here), the next incident is a new alert.
        rules.cooldownMs = 0;
        monitor.setRules(rules);
        clients.pop_back();
        QTRY_COMPARE(core->pusher().connectionCount(), 2);
        sampler.sampleNow();
        connectOne();
        sampler.sampleNow();
        QCOMPARE(raised.size(), 2);
    }

    void errorsByCodeAlertOncePerIncident()
    {
        AlertMonitor monitor;
        AlertMonitor::Rules rules;
        rules.errorsPerMinute = 5;
        rules.cooldownMs = 60 * 1000;
        monitor.setRules(rules);
        QSignalSpy raised(&monitor, &AlertMonitor::alertRaised);
        const qint64 t0 = 1700000000000;
        QList<ActivityEvent> batch;
        for (int i = 0; i < 4; ++i)
            batch.append(error(t0 + i * 1000, QStringLiteral("4301")));
        monitor.observeEvents(batch);
        QCOMPARE(raised.size(), 0);
        monitor.observeEvents({error(t0 + 5000, QStringLiteral("4301"))});
        QCOMPARE(raised.size(), 1);
        QCOMPARE(raised.last().first().value<AlertMonitor::Alert>().key, QStringLiteral("errors/4301"));
        for (int i = 0; i < 20; ++i)
            monitor.observeEvents({error(t0 + 6000 + i * 100, QStringLiteral("4301"))});
        QCOMPARE(raised.size(), 1); // one incident, one alert
        // Another code is another incident.
        QList<ActivityEvent> other;
        for (int i = 0; i < 5; ++i)
            other.append(error(t0 + 9000 + i, QStringLiteral("4009")));
        monitor.observeEvents(other);
        QCOMPARE(raised.size(), 2);
        // A quiet minute ends the incidents; the next burst, after the cool-down, alerts again.
        ActivityEvent quiet;
        quiet.kind = ActivityEvent::Kind::Connected;
        quiet.timeMs = t0 + 90 * 1000;
        monitor.observeEvents({quiet});
        QVERIFY(monitor.activeKeys().isEmpty());
        QList<ActivityEvent> again;
        for (int i = 0; i < 5; ++i)
            again.append(error(t0 + 100 * 1000 + i, QStringLiteral("4301")));
        monitor.observeEvents(again);
        QCOMPARE(raised.size(), 3);
    }

    void lagAndWebhookFailures()
    {
        AlertMonitor monitor;
        AlertMonitor::Rules rules;
        rules.eventLoopLagMs = 500;
        rules.webhookFailures = 2;
        rules.cooldownMs = 0;
        monitor.setRules(rules);
        QSignalSpy raised(&monitor, &AlertMonitor::alertRaised);
        const qint64 t0 = 1700000000000;
        const auto gauge = prometheus::MetricType::Gauge;
        monitor.evaluateSnapshot(snapshot(t0, "soketi_eventloop_lag_seconds", gauge, 0.1));
        QCOMPARE(raised.size(), 0);
        monitor.evaluateSnapshot(snapshot(t0 + 1000, "soketi_eventloop_lag_seconds", gauge, 0.8));
        monitor.evaluateSnapshot(snapshot(t0 + 2000, "soketi_eventloop_lag_seconds", gauge, 0.9));
        QCOMPARE(raised.size(), 1);
        QCOMPARE(raised.last().first().value<AlertMonitor::Alert>().key, QStringLiteral("lag"));

        const auto counter = prometheus::MetricType::Counter;
        const std::string family = "qsoketi_webhook_deliveries_total";
        monitor.evaluateSnapshot(snapshot(t0, family, counter, 7)); // failures before: a baseline, not news
        monitor.evaluateSnapshot(snapshot(t0 + 1000, family, counter, 8));
        QCOMPARE(raised.size(), 1);
        monitor.evaluateSnapshot(snapshot(t0 + 2000, family, counter, 10));
        QCOMPARE(raised.size(), 2);
        QCOMPARE(raised.last().first().value<AlertMonitor::Alert>().key, QStringLiteral("webhooks/app-id"));
        // Delivered ones never alert.
        monitor.evaluateSnapshot(snapshot(t0 + 3000, family, counter, 100, {"outcome", "delivered"}));
        QCOMPARE(raised.size(), 2);
    }

    void rulesComeFromTheSettings()
    {
        QSettings settings;
        settings.setValue(QStringLiteral("alerts/connectionsPercent"), 60);
        settings.setValue(QStringLiteral("alerts/cooldownSeconds"), 30);
        const AlertMonitor::Rules rules = AlertMonitor::rulesFromSettings();
        QCOMPARE(rules.connectionsPercent, 60.0);
        QCOMPARE(rules.cooldownMs, 30000);
        QCOMPARE(rules.errorsPerMinute, AlertMonitor::Rules().errorsPerMinute);
        settings.remove(QStringLiteral("alerts"));
    }

    void theUserSetsTheRules()
    {
        auto core = test::startCore();
        DashboardWindow window(*core);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.menus()->alertRulesAction()->trigger();
        AlertRulesDialog *dialog = nullptr;
        QTRY_VERIFY((dialog = qobject_cast<AlertRulesDialog *>(QApplication::activeModalWidget())) != nullptr);
        QCOMPARE(dialog->connectionsPercent()->value(), window.alertMonitor()->rules().connectionsPercent);
        dialog->connectionsPercent()->setValue(70);
        dialog->lagMs()->setValue(0); // off
        dialog->cooldownSeconds()->setValue(120);
        dialog->accept();
        QCOMPARE(window.alertMonitor()->rules().connectionsPercent, 70.0);
        QCOMPARE(window.alertMonitor()->rules().eventLoopLagMs, 0.0);
        QCOMPARE(window.alertMonitor()->rules().cooldownMs, 120000);
        // Kept for the next start.
        QCOMPARE(AlertMonitor::rulesFromSettings().connectionsPercent, 70.0);
        QCOMPARE(AlertMonitor::rulesFromSettings().cooldownMs, 120000);
        QSettings().remove(QStringLiteral("alerts"));
    }

    void theWindowShowsAnAlertInTheConsole()
    {
        auto core = test::startCore();
        DashboardWindow window(*core);
        window.sampler()->stop();
        window.alertMonitor()->setConnectionLimits({{QStringLiteral("app-id"), 2}});
        test::Client a(core->port()), b(core->port());
        QTRY_VERIFY(a.established() && b.established());
        window.sampler()->sampleNow();
        window.sampler()->sampleNow();
        QCOMPARE(window.alertMonitor()->raisedCount(), 1);
        ActivityLogModel *log = window.console()->model();
        log->flush();
        int alerts = 0;
        for (int row = 0; row < log->rowCount(); ++row)
            if (log->event(row).kind == ActivityEvent::Kind::Alert) {
                ++alerts;
                QCOMPARE(log->index(row, ActivityLogModel::KindColumn).data().toString(), QStringLiteral("alert"));
                QVERIFY(log->event(row).payload.contains("2 of its 2"));
            }
        QCOMPARE(alerts, 1);
    }
};

QTEST_MAIN(TestAlertMonitor)
#include "tst_alertmonitor.moc"
