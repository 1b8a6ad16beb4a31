// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <map>
#include <memory>
#include <mutex>

#include <QHash>
#include <QString>

#include "config/ServerConfig.h"
#include "metrics/AppMetrics.h"
#include "metrics/AppStoreMetrics.h"
#include "metrics/HorizontalAdapterMetrics.h"
#include "metrics/MetricsSnapshot.h"
#include "metrics/WebhookMetrics.h"

namespace prometheus {
class Registry;
template <typename T> class Family;
class Counter;
class Gauge;
class Histogram;
} // namespace prometheus

namespace qsoketi {

class ProcessMetricsCollector;

// The one metrics registry of the process (soketi's prom-client registry): every soketi family with
// its HELP text and type, created at start-up. /metrics, /metrics?json=1 and the dashboard all read
// collect(); the hot path writes through AppMetrics pointers resolved once per app.
// Thread-safe: every worker's event loop writes to it (prometheus-cpp series are atomic; the lookups
// below take a lock, and the objects they return never move).
class MetricsRegistry
{
public:
    MetricsRegistry(const MetricsConfig &config, quint16 serverPort);
    ~MetricsRegistry();
    MetricsRegistry(const MetricsRegistry &) = delete;
    MetricsRegistry &operator=(const MetricsRegistry &) = delete;

    // The label series of one app; created on the first call, then the same object every time.
    AppMetrics &forApp(const QString &appId);
    HorizontalAdapterMetrics &adapterForApp(const QString &appId);
    // The app_store_* families, registered on the first call only, so a server on the array driver keeps
    // exactly soketi's families.
    AppStoreMetrics appStore();
    // The webhook_* families, registered on the first call (the first app with webhooks), so a server
    // without webhooks keeps exactly soketi's families; then the series of this app.
    WebhookMetrics &webhooksForApp(const QString &appId);
    // <prefix>ws_origin_refused_total{app_id}: WebSockets refused by the app's allowedOrigins (family
    // registered on the first refusal).
    prometheus::Counter &originRefusedForApp(const QString &appId);
    // <prefix>dashboard_alerts_total{rule}: alerts the dashboard raised, by rule ("connections", "lag",
    // "errors", "webhooks", "node_down"); qsoketi only (soketi has no alerts). The family is registered on
    // the first alert, so a server without a dashboard keeps exactly soketi's families.
    prometheus::Counter &dashboardAlertsForRule(const QString &rule);

    // Every soketi family (registration order) followed by the process metrics, read at this moment.
    MetricsSnapshot collect() const;

    // The process_* and eventloop_lag_seconds families (same prefix and port label); the event-loop lag
    // monitor writes its readings here.
    ProcessMetricsCollector &processMetrics() { return *m_process; }

    const QString &prefix() const { return m_namePrefix; }
    quint16 serverPort() const { return m_serverPort; }
    prometheus::Registry &registry() { return *m_registry; }

private:
    std::string name(const char *base) const;

    struct FamilyInfo
    {
        std::string name;
        std::string help;
        prometheus::MetricType type;
    };

    QString m_namePrefix; // prefix, plus "<port>_" in the port-in-name style
    quint16 m_serverPort;
    std::string m_portLabel;
    std::shared_ptr<prometheus::Registry> m_registry;

    prometheus::Family<prometheus::Gauge> *m_connected;
    prometheus::Family<prometheus::Counter> *m_newConnections;
    prometheus::Family<prometheus::Counter> *m_newDisconnections;
    prometheus::Family<prometheus::Counter> *m_socketReceivedBytes;
    prometheus::Family<prometheus::Counter> *m_socketTransmittedBytes;
    prometheus::Family<prometheus::Counter> *m_wsMessagesReceived;
    prometheus::Family<prometheus::Counter> *m_wsMessagesSent;
    prometheus::Family<prometheus::Counter> *m_httpReceivedBytes;
    prometheus::Family<prometheus::Counter> *m_httpTransmittedBytes;
    prometheus::Family<prometheus::Counter> *m_httpCallsReceived;
    prometheus::Family<prometheus::Histogram> *m_resolveTime;
    prometheus::Family<prometheus::Counter> *m_resolvedPromises;
    prometheus::Family<prometheus::Counter> *m_uncompletePromises;
    prometheus::Family<prometheus::Counter> *m_sentRequests;
    prometheus::Family<prometheus::Counter> *m_receivedRequests;
    prometheus::Family<prometheus::Counter> *m_receivedResponses;

    prometheus::Family<prometheus::Counter> *m_appStoreLookups = nullptr;
    prometheus::Family<prometheus::Counter> *m_appStoreCacheHits = nullptr;
    prometheus::Family<prometheus::Counter> *m_appStoreErrors = nullptr;
    prometheus::Family<prometheus::Histogram> *m_appStoreLookupSeconds = nullptr;

    prometheus::Family<prometheus::Counter> *m_webhookDeliveries = nullptr;
    prometheus::Family<prometheus::Counter> *m_webhookAttempts = nullptr;
    prometheus::Family<prometheus::Counter> *m_webhookRetries = nullptr;
    prometheus::Family<prometheus::Counter> *m_webhookDropped = nullptr;
    prometheus::Family<prometheus::Gauge> *m_webhookQueueLength = nullptr;
    prometheus::Family<prometheus::Histogram> *m_webhookDeliverySeconds = nullptr;
    prometheus::Family<prometheus::Counter> *m_webhookLeavesCancelled = nullptr;
    prometheus::Family<prometheus::Counter> *m_originRefused = nullptr;
    prometheus::Family<prometheus::Counter> *m_dashboardAlerts = nullptr;

    std::vector<FamilyInfo> m_familyOrder; // registration order = exposition order
    std::unique_ptr<ProcessMetricsCollector> m_process;

    // Node-based maps: references handed out stay valid while other apps are added.
    mutable std::mutex m_mutex; // the maps below and m_familyOrder
    std::map<QString, AppMetrics> m_apps;
    std::map<QString, HorizontalAdapterMetrics> m_adapters;
    std::map<QString, WebhookMetrics> m_webhooks;
    std::map<QString, prometheus::Counter *> m_originRefusedByApp;
    std::map<QString, prometheus::Counter *> m_dashboardAlertsByRule;
};

} // namespace qsoketi
