// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <deque>

#include <QHash>
#include <QList>
#include <QObject>
#include <QSet>
#include <QString>

#include "metrics/MetricsSnapshot.h"
#include "server/ActivityFeed.h"

namespace qsoketi {

// The dashboard's alert rules, read from what the window already receives: registry snapshots (connections
// against each app's maxConnections, event-loop lag, failed webhook deliveries), the activity feed (errors
// by code per minute) and the cluster view's node states (a node down). One incident is one alert: a rule
// fires when its condition becomes true, stays quiet while it holds, and a new incident of the same rule
// (same app, code or node) within the cool-down is not announced again. No counters of its own beyond what
// a rule needs to compare (a previous reading, the error times of the last minute); no widgets.
class AlertMonitor : public QObject
{
    Q_OBJECT

public:
    struct Rules
    {
        double connectionsPercent = 90; // of an app's maxConnections; 0 = off
        double eventLoopLagMs = 500; // 0 = off
        int errorsPerMinute = 20; // of one error code; 0 = off
        int webhookFailures = 1; // failed deliveries between two samples; 0 = off
        bool nodeDown = true; // a node of the cluster view stops answering
        qint64 cooldownMs = 10 * 60 * 1000;
    };
    struct Alert
    {
        QString key; // rule + subject, e.g. "connections/app-id"
        QString appId;
        QString title;
        QString message;
        qint64 timeMs = 0;
    };
    // Error times kept per code: bounded even under an error flood.
    static constexpr int maxErrorTimesPerCode = 10000;

    explicit AlertMonitor(QObject *parent = nullptr);

    // The rules the user set (QSettings group "alerts": connectionsPercent, eventLoopLagMs, errorsPerMinute,
    // webhookFailures, cooldownSeconds), the defaults otherwise.
    static Rules rulesFromSettings();
    void setRules(const Rules &rules) { m_rules = rules; }
    const Rules &rules() const { return m_rules; }
    // maxConnections by app id (<= 0: unlimited, no rule).
    void setConnectionLimits(const QHash<QString, int> &limits) { m_limits = limits; }

    void evaluateSnapshot(const MetricsSnapshot &snapshot);
    void observeEvents(const QList<qsoketi::ActivityEvent> &events);
    // A node of the cluster view (by its metrics URL) is down or up again: one alert per incident.
    void evaluateNode(const QString &url, const QString &name, bool down, qint64 nowMs);
    int raisedCount() const { return m_raised; }
    QStringList activeKeys() const;

    // The rule of an alert key ("connections", "lag", "errors", "webhooks", "node_down"): the label of
    // the alerts counter in /metrics.
    static QString ruleOf(const QString &key) { return key.section(QLatin1Char('/'), 0, 0); }
    // The console row of an alert.
    static ActivityEvent toActivityEvent(const Alert &alert);

signals:
    void alertRaised(const qsoketi::AlertMonitor::Alert &alert);

private:
    // Condition now true or false for `key`; raises on a new incident outside the cool-down.
    void check(const QString &key, bool condition, qint64 nowMs, const QString &appId, const QString &title,
        const QString &message);

    Rules m_rules;
    QHash<QString, int> m_limits;
    QHash<QString, qint64> m_lastRaisedMs;
    QSet<QString> m_active;
    QHash<QString, double> m_webhookFailed; // failed deliveries per app at the previous snapshot
    QHash<QString, std::deque<qint64>> m_errorTimes; // per code, the last minute
    int m_raised = 0;
};

} // namespace qsoketi

Q_DECLARE_METATYPE(qsoketi::AlertMonitor::Alert)
