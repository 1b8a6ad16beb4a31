// SPDX-License-Identifier: GPL-3.0-or-later
#include "metrics/MetricsRegistry.h"

#include <algorithm>

#include <QDateTime>

#include "metrics/ProcessMetricsCollector.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace qsoketi {

namespace {

prometheus::MetricType typeOf(const prometheus::Family<prometheus::Counter> &)
{
    return prometheus::MetricType::Counter;
}
prometheus::MetricType typeOf(const prometheus::Family<prometheus::Gauge> &)
{
    return prometheus::MetricType::Gauge;
}
prometheus::MetricType typeOf(const prometheus::Family<prometheus::Histogram> &)
{
    return prometheus::MetricType::Histogram;
}

} // namespace

MetricsRegistry::MetricsRegistry(const MetricsConfig &config, quint16 serverPort)
    : m_namePrefix(config.portInName ? config.prefix + QString::number(serverPort) + QLatin1Char('_') : config.prefix)
    , m_serverPort(serverPort)
    , m_portLabel(std::to_string(serverPort))
    , m_registry(std::make_shared<prometheus::Registry>())
{
    const auto build = [this](auto &&builder, const std::string &familyName, const char *help) {
        auto &family = builder.Name(familyName).Help(help).Register(*m_registry);
        m_familyOrder.push_back({familyName, help, typeOf(family)});
        return &family;
    };
    // Names, HELP texts and types exactly as soketi 1.6 registers them (spec §6.2).
    m_connected = build(prometheus::BuildGauge(), name("connected"), "The number of currently connected sockets.");
    m_newConnections =
        build(prometheus::BuildCounter(), name("new_connections_total"), "Total amount of soketi connection requests.");
    m_newDisconnections =
        build(prometheus::BuildCounter(), name("new_disconnections_total"), "Total amount of soketi disconnections.");
    m_socketReceivedBytes =
        build(prometheus::BuildCounter(), name("socket_received_bytes"), "Total amount of bytes that soketi received.");
    m_socketTransmittedBytes = build(
        prometheus::BuildCounter(), name("socket_transmitted_bytes"), "Total amount of bytes that soketi transmitted.");
    m_wsMessagesReceived = build(prometheus::BuildCounter(), name("ws_messages_received_total"),
        "The total amount of WS messages received from connections by the server.");
    m_wsMessagesSent = build(prometheus::BuildCounter(), name("ws_messages_sent_total"),
        "The total amount of WS messages sent to the connections from the server.");
    m_httpReceivedBytes = build(prometheus::BuildCounter(), name("http_received_bytes"),
        "Total amount of bytes that soketi's REST API received.");
    m_httpTransmittedBytes = build(prometheus::BuildCounter(), name("http_transmitted_bytes"),
        "Total amount of bytes that soketi's REST API sent back.");
    m_httpCallsReceived = build(
        prometheus::BuildCounter(), name("http_calls_received_total"), "Total amount of received REST API calls.");
    m_resolveTime = build(prometheus::BuildHistogram(), name("horizontal_adapter_resolve_time"),
        "The average resolve time for requests to other nodes.");
    m_resolvedPromises = build(prometheus::BuildCounter(), name("horizontal_adapter_resolved_promises"),
        "The total amount of promises that were fulfilled by other nodes.");
    m_uncompletePromises = build(prometheus::BuildCounter(), name("horizontal_adapter_uncomplete_promises"),
        "The total amount of promises that were not fulfilled entirely by other nodes.");
    m_sentRequests = build(prometheus::BuildCounter(), name("horizontal_adapter_sent_requests"),
        "The total amount of sent requests to other nodes.");
    m_receivedRequests = build(prometheus::BuildCounter(), name("horizontal_adapter_received_requests"),
        "The total amount of received requests from other nodes.");
    m_receivedResponses = build(prometheus::BuildCounter(), name("horizontal_adapter_received_responses"),
        "The total amount of received responses from other nodes.");
    m_process = std::make_unique<ProcessMetricsCollector>(m_namePrefix.toStdString(), m_portLabel);
}

MetricsRegistry::~MetricsRegistry() = default;

std::string MetricsRegistry::name(const char *base) const
{
    return m_namePrefix.toStdString() + base;
}

AppMetrics &MetricsRegistry::forApp(const QString &appId)
{
    const std::lock_guard lock(m_mutex);
    auto it = m_apps.find(appId);
    if (it != m_apps.end())
        return it->second;
    const prometheus::Labels labels{{"app_id", appId.toStdString()}, {"port", m_portLabel}};
    AppMetrics m;
    m.connected = &m_connected->Add(labels);
    m.newConnections = &m_newConnections->Add(labels);
    m.newDisconnections = &m_newDisconnections->Add(labels);
    m.socketReceivedBytes = &m_socketReceivedBytes->Add(labels);
    m.socketTransmittedBytes = &m_socketTransmittedBytes->Add(labels);
    m.wsMessagesReceived = &m_wsMessagesReceived->Add(labels);
    m.wsMessagesSent = &m_wsMessagesSent->Add(labels);
    m.httpReceivedBytes = &m_httpReceivedBytes->Add(labels);
    m.httpTransmittedBytes = &m_httpTransmittedBytes->Add(labels);
    m.httpCallsReceived = &m_httpCallsReceived->Add(labels);
    return m_apps.emplace(appId, m).first->second;
}

HorizontalAdapterMetrics &MetricsRegistry::adapterForApp(const QString &appId)
{
    const std::lock_guard lock(m_mutex);
    auto it = m_adapters.find(appId);
    if (it != m_adapters.end())
        return it->second;
    const prometheus::Labels labels{{"app_id", appId.toStdString()}, {"port", m_portLabel}};
    HorizontalAdapterMetrics m;
    // Seconds-sized buckets for a value observed in seconds (soketi put milliseconds into them).
    m.resolveTime = &m_resolveTime->Add(
        labels, prometheus::Histogram::BucketBoundaries{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10});
    m.resolvedPromises = &m_resolvedPromises->Add(labels);
    m.uncompletePromises = &m_uncompletePromises->Add(labels);
    m.sentRequests = &m_sentRequests->Add(labels);
    m.receivedRequests = &m_receivedRequests->Add(labels);
    m.receivedResponses = &m_receivedResponses->Add(labels);
    return m_adapters.emplace(appId, m).first->second;
}

AppStoreMetrics MetricsRegistry::appStore()
{
    const std::lock_guard lock(m_mutex);
    if (!m_appStoreLookups) {
        const auto build = [this](auto &&builder, const std::string &familyName, const char *help) {
            auto &family = builder.Name(familyName).Help(help).Register(*m_registry);
            m_familyOrder.push_back({familyName, help, typeOf(family)});
            return &family;
        };
        m_appStoreLookups = build(prometheus::BuildCounter(), name("app_store_lookups_total"),
            "App lookups: by key for WebSocket connections, by id for HTTP API calls.");
        m_appStoreCacheHits = build(prometheus::BuildCounter(), name("app_store_cache_hits_total"),
            "App lookups answered from the app cache without asking the app store (unknown apps included).");
        m_appStoreErrors = build(
            prometheus::BuildCounter(), name("app_store_errors_total"), "App store queries that failed or timed out.");
        m_appStoreLookupSeconds = build(prometheus::BuildHistogram(), name("app_store_lookup_duration_seconds"),
            "Time app lookups not answered from the cache waited for the app store.");
    }
    const auto labels = [this](const char *by) {
        prometheus::Labels result{{"port", m_portLabel}};
        if (by) {
            result.emplace("by", by);
        }
        return result;
    };
    AppStoreMetrics m;
    m.lookupsByKey = &m_appStoreLookups->Add(labels("key"));
    m.lookupsById = &m_appStoreLookups->Add(labels("id"));
    m.cacheHitsByKey = &m_appStoreCacheHits->Add(labels("key"));
    m.cacheHitsById = &m_appStoreCacheHits->Add(labels("id"));
    m.errors = &m_appStoreErrors->Add(labels(nullptr));
    m.lookupSeconds = &m_appStoreLookupSeconds->Add(labels(nullptr),
        prometheus::Histogram::BucketBoundaries{
            0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5});
    return m;
}

WebhookMetrics &MetricsRegistry::webhooksForApp(const QString &appId)
{
    const std::lock_guard lock(m_mutex);
    auto it = m_webhooks.find(appId);
    if (it != m_webhooks.end())
        return it->second;
    if (!m_webhookDeliveries) {
        const auto build = [this](auto &&builder, const std::string &familyName, const char *help) {
            auto &family = builder.Name(familyName).Help(help).Register(*m_registry);
            m_familyOrder.push_back({familyName, help, typeOf(family)});
            return &family;
        };
        m_webhookDeliveries = build(prometheus::BuildCounter(), name("webhook_deliveries_total"),
            "Webhook deliveries by how they ended: delivered (2xx), failed (retries exhausted), abandoned "
            "(unsent at shutdown).");
        m_webhookAttempts = build(prometheus::BuildCounter(), name("webhook_attempts_total"),
            "HTTP requests made to webhook endpoints, first tries and retries.");
        m_webhookRetries = build(
            prometheus::BuildCounter(), name("webhook_retries_total"), "Webhook requests that repeated a failed one.");
        m_webhookDropped = build(prometheus::BuildCounter(), name("webhook_dropped_total"),
            "Webhook deliveries pushed out of a full per-app queue (the oldest go first).");
        m_webhookQueueLength = build(prometheus::BuildGauge(), name("webhook_queue_length"),
            "Webhook deliveries waiting, waiting for a retry or on the wire.");
        m_webhookDeliverySeconds = build(prometheus::BuildHistogram(), name("webhook_delivery_seconds"),
            "Time from a webhook event to the 2xx answer of its delivery, retries included.");
        m_webhookLeavesCancelled = build(prometheus::BuildCounter(), name("webhook_leave_events_cancelled_total"),
            "channel_vacated and member_removed webhooks not sent because the channel or member came back "
            "within the leave delay.");
    }
    const prometheus::Labels labels{{"app_id", appId.toStdString()}, {"port", m_portLabel}};
    const auto withOutcome = [&labels](const char *outcome) {
        prometheus::Labels result = labels;
        result.emplace("outcome", outcome);
        return result;
    };
    WebhookMetrics m;
    m.delivered = &m_webhookDeliveries->Add(withOutcome("delivered"));
    m.failed = &m_webhookDeliveries->Add(withOutcome("failed"));
    m.abandoned = &m_webhookDeliveries->Add(withOutcome("abandoned"));
    m.attempts = &m_webhookAttempts->Add(labels);
    m.retries = &m_webhookRetries->Add(labels);
    m.dropped = &m_webhookDropped->Add(labels);
    m.queueLength = &m_webhookQueueLength->Add(labels);
    // From a local endpoint's milliseconds to the five minutes of the retry window.
    m.deliverySeconds = &m_webhookDeliverySeconds->Add(labels,
        prometheus::Histogram::BucketBoundaries{
            0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300});
    m.leavesCancelled = &m_webhookLeavesCancelled->Add(labels);
    return m_webhooks.emplace(appId, m).first->second;
}

prometheus::Counter &MetricsRegistry::originRefusedForApp(const QString &appId)
{
    const std::lock_guard lock(m_mutex);
    if (const auto it = m_originRefusedByApp.find(appId); it != m_originRefusedByApp.end())
        return *it->second;
    if (!m_originRefused) {
        const std::string familyName = name("ws_origin_refused_total");
        const char *help = "WebSocket connections refused (4009) because their Origin is not in the app's "
                           "allowedOrigins.";
        m_originRefused = &prometheus::BuildCounter().Name(familyName).Help(help).Register(*m_registry);
        m_familyOrder.push_back({familyName, help, prometheus::MetricType::Counter});
    }
    prometheus::Counter *counter = &m_originRefused->Add({{"app_id", appId.toStdString()}, {"port", m_portLabel}});
    m_originRefusedByApp.emplace(appId, counter);
    return *counter;
}

prometheus::Counter &MetricsRegistry::dashboardAlertsForRule(const QString &rule)
{
    const std::lock_guard lock(m_mutex);
    if (const auto it = m_dashboardAlertsByRule.find(rule); it != m_dashboardAlertsByRule.end())
        return *it->second;
    if (!m_dashboardAlerts) {
        const std::string familyName = name("dashboard_alerts_total");
        const char *help = "Alerts the dashboard raised (tray notification and console row), by rule.";
        m_dashboardAlerts = &prometheus::BuildCounter().Name(familyName).Help(help).Register(*m_registry);
        m_familyOrder.push_back({familyName, help, prometheus::MetricType::Counter});
    }
    prometheus::Counter *counter = &m_dashboardAlerts->Add({{"rule", rule.toStdString()}, {"port", m_portLabel}});
    m_dashboardAlertsByRule.emplace(rule, counter);
    return *counter;
}

MetricsSnapshot MetricsRegistry::collect() const
{
    MetricsSnapshot snapshot;
    // prometheus-cpp 1.0.1 drops families without series, groups them by type and yields series in hash
    // order. Rebuild soketi's output: every family in registration order (HELP/TYPE even before the first
    // series, as prom-client), series sorted by labels so successive scrapes list them alike.
    std::vector<prometheus::MetricFamily> collected = m_registry->Collect();
    std::vector<FamilyInfo> order;
    {
        const std::lock_guard lock(m_mutex);
        order = m_familyOrder;
    }
    snapshot.families.reserve(order.size() + 10);
    for (const FamilyInfo &info : order) {
        auto found = std::find_if(
            collected.begin(), collected.end(), [&](const prometheus::MetricFamily &f) { return f.name == info.name; });
        if (found == collected.end()) {
            snapshot.families.push_back({info.name, info.help, info.type, {}});
            continue;
        }
        std::sort(found->metric.begin(), found->metric.end(),
            [](const prometheus::ClientMetric &a, const prometheus::ClientMetric &b) { return a.label < b.label; });
        snapshot.families.push_back(std::move(*found));
    }
    std::vector<prometheus::MetricFamily> process = m_process->Collect();
    snapshot.families.insert(
        snapshot.families.end(), std::make_move_iterator(process.begin()), std::make_move_iterator(process.end()));
    snapshot.takenAtMs = QDateTime::currentMSecsSinceEpoch();
    return snapshot;
}

} // namespace qsoketi
