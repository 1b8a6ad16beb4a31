// SPDX-License-Identifier: GPL-3.0-or-later
#include "AlertMonitor.h"

#include <cmath>

#include <QSettings>

#include "MetricsHistory.h"

namespace qsoketi {

namespace {

constexpr qint64 minuteMs = 60 * 1000;

QString label(const prometheus::ClientMetric &metric, const char *name)
{
    for (const auto &l : metric.label)
        if (l.name == name)
            return QString::fromStdString(l.value);
    return QString();
}

double valueOf(const prometheus::MetricFamily &family, const prometheus::ClientMetric &metric)
{
    switch (family.type) {
    case prometheus::MetricType::Counter:
        return metric.counter.value;
    case prometheus::MetricType::Gauge:
        return metric.gauge.value;
    default:
        return metric.untyped.value;
    }
}

} // namespace

AlertMonitor::AlertMonitor(QObject *parent)
    : QObject(parent)
{
    qRegisterMetaType<qsoketi::AlertMonitor::Alert>();
}

AlertMonitor::Rules AlertMonitor::rulesFromSettings()
{
    QSettings settings;
    settings.beginGroup(QStringLiteral("alerts"));
    Rules rules;
    rules.connectionsPercent =
        settings.value(QStringLiteral("connectionsPercent"), rules.connectionsPercent).toDouble();
    rules.eventLoopLagMs = settings.value(QStringLiteral("eventLoopLagMs"), rules.eventLoopLagMs).toDouble();
    rules.errorsPerMinute = settings.value(QStringLiteral("errorsPerMinute"), rules.errorsPerMinute).toInt();
    rules.webhookFailures = settings.value(QStringLiteral("webhookFailures"), rules.webhookFailures).toInt();
    rules.nodeDown = settings.value(QStringLiteral("nodeDown"), rules.nodeDown).toBool();
    rules.cooldownMs = settings.value(QStringLiteral("cooldownSeconds"), rules.cooldownMs / 1000).toLongLong() * 1000;
    return rules;
}

QStringList AlertMonitor::activeKeys() const
{
    QStringList keys(m_active.cbegin(), m_active.cend());
    keys.sort();
    return keys;
}

void AlertMonitor::check(const QString &key, bool condition, qint64 nowMs, const QString &appId, const QString &title,
    const QString &message)
{
    if (!condition) {
        m_active.remove(key); // the incident is over; the next one may alert (after the cool-down)
        return;
    }
    if (m_active.contains(key))
        return; // the same incident, still going on
    m_active.insert(key);
    const auto last = m_lastRaisedMs.constFind(key);
    if (last != m_lastRaisedMs.cend() && nowMs - *last < m_rules.cooldownMs)
        return; // flapping: one alert per cool-down
    m_lastRaisedMs.insert(key, nowMs);
    ++m_raised;
    emit alertRaised({key, appId, title, message, nowMs});
}

void AlertMonitor::evaluateSnapshot(const MetricsSnapshot &snapshot)
{
    const qint64 now = snapshot.takenAtMs;
    QHash<QString, double> connected;
    double lagSeconds = -1;
    QHash<QString, double> failed;
    for (const auto &family : snapshot.families) {
        const bool isConnected = MetricsHistory::familyMatches(family.name, "connected");
        const bool isLag = MetricsHistory::familyMatches(family.name, "eventloop_lag_seconds");
        const bool isWebhooks = MetricsHistory::familyMatches(family.name, "webhook_deliveries_total");
        if (!isConnected && !isLag && !isWebhooks)
            continue;
        for (const auto &metric : family.metric) {
            const double value = valueOf(family, metric);
            if (!std::isfinite(value))
                continue;
            if (isConnected)
                connected[label(metric, "app_id")] += value;
            else if (isLag)
                lagSeconds = std::max(lagSeconds, value);
            else if (label(metric, "outcome") == QLatin1String("failed"))
                failed[label(metric, "app_id")] += value;
        }
    }

    if (m_rules.connectionsPercent > 0) {
        for (auto it = m_limits.cbegin(); it != m_limits.cend(); ++it) {
            if (it.value() <= 0)
                continue;
            const double count = connected.value(it.key());
            const double percent = 100.0 * count / it.value();
            check(QStringLiteral("connections/") + it.key(), percent >= m_rules.connectionsPercent, now, it.key(),
                tr("Connections near the limit"),
                tr("App %1 has %2 of its %3 allowed connections (%4%); new clients will be refused with 4004 at "
                   "the limit. Raise maxConnections or add a node.")
                    .arg(it.key())
                    .arg(count)
                    .arg(it.value())
                    .arg(qRound(percent)));
        }
    }
    if (m_rules.eventLoopLagMs > 0 && lagSeconds >= 0) {
        const double lagMs = lagSeconds * 1000;
        check(QStringLiteral("lag"), lagMs >= m_rules.eventLoopLagMs, now, {}, tr("Event loop lagging"),
            tr("The server's event loop is %1 ms late (alert at %2 ms): clients see delays. Check CPU load or "
               "spread the load over more nodes.")
                .arg(qRound(lagMs))
                .arg(m_rules.eventLoopLagMs));
    }
    if (m_rules.webhookFailures > 0) {
        for (auto it = failed.cbegin(); it != failed.cend(); ++it) {
            const auto before = m_webhookFailed.constFind(it.key());
            // The first reading is a baseline: failures from before the window opened are not news.
            const double fresh = before == m_webhookFailed.cend() ? 0 : it.value() - *before;
            check(QStringLiteral("webhooks/") + it.key(), fresh >= m_rules.webhookFailures, now, it.key(),
                tr("Webhook deliveries failing"),
                tr("%1 webhook deliveries of app %2 failed after every retry since the last sample. Check the "
                   "endpoint in the Webhooks tab.")
                    .arg(fresh)
                    .arg(it.key()));
        }
        m_webhookFailed = failed;
    }
}

void AlertMonitor::observeEvents(const QList<ActivityEvent> &events)
{
    if (m_rules.errorsPerMinute <= 0)
        return;
    if (events.isEmpty())
        return;
    qint64 now = 0;
    for (const ActivityEvent &e : events) {
        now = std::max(now, e.timeMs);
        if (e.kind != ActivityEvent::Kind::Error)
            continue;
        std::deque<qint64> &times = m_errorTimes[e.event];
        times.push_back(e.timeMs);
        if (int(times.size()) > maxErrorTimesPerCode)
            times.pop_front();
    }
    // Every code seen in the last minute is checked: a quiet code's incident ends once its minute passed.
    for (auto it = m_errorTimes.begin(); it != m_errorTimes.end();) {
        std::deque<qint64> &times = it.value();
        while (!times.empty() && times.front() <= now - minuteMs)
            times.pop_front();
        const QString code = it.key();
        check(QStringLiteral("errors/") + code, int(times.size()) >= m_rules.errorsPerMinute, now, {},
            tr("Errors: %1").arg(code),
            tr("%1 errors with code %2 in the last minute (alert at %3/min). Filter the console by \"Errors\" to "
               "see who gets them.")
                .arg(times.size())
                .arg(code)
                .arg(m_rules.errorsPerMinute));
        if (times.empty())
            it = m_errorTimes.erase(it);
        else
            ++it;
    }
}

void AlertMonitor::evaluateNode(const QString &url, const QString &name, bool down, qint64 nowMs)
{
    check(QStringLiteral("node_down/") + url, m_rules.nodeDown && down, nowMs, {}, tr("Node down"),
        tr("Node %1 (%2) does not answer its /metrics scrape. Check that the process runs and its metrics "
           "port is reachable.")
            .arg(name, url));
}

ActivityEvent AlertMonitor::toActivityEvent(const Alert &alert)
{
    ActivityEvent e;
    e.timeMs = alert.timeMs;
    e.kind = ActivityEvent::Kind::Alert;
    e.appId = alert.appId;
    e.event = alert.title;
    e.payload = alert.message.toUtf8();
    return e;
}

} // namespace qsoketi
