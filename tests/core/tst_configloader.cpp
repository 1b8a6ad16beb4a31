// SPDX-License-Identifier: GPL-3.0-or-later
#include <functional>
#include <tuple>

#include <QFile>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QTest>

#include "config/ConfigBuilder.h"
#include "config/ConfigLoader.h"
#include "config/DotEnvFile.h"

using namespace qsoketi;

namespace {

using Getter = std::function<QVariant(const ServerConfig &)>;

// Every field the loader fills, by a readable name, so env/file rows can name their target.
const QHash<QString, Getter> &fields()
{
    static const QHash<QString, Getter> table{
        {"debug", [](const ServerConfig &c) { return QVariant(c.debug); }},
        {"host", [](const ServerConfig &c) { return QVariant(c.host); }},
        {"port", [](const ServerConfig &c) { return QVariant(c.port); }},
        {"pathPrefix", [](const ServerConfig &c) { return QVariant(c.pathPrefix); }},
        {"mode", [](const ServerConfig &c) { return QVariant(c.mode); }},
        {"shutdownGracePeriodMs", [](const ServerConfig &c) { return QVariant(c.shutdownGracePeriodMs); }},
        {"userAuthenticationTimeoutMs", [](const ServerConfig &c) { return QVariant(c.userAuthenticationTimeoutMs); }},
        {"acceptTrafficMemoryThreshold",
            [](const ServerConfig &c) { return QVariant(c.acceptTrafficMemoryThreshold); }},
        {"httpRequestLimitInMb", [](const ServerConfig &c) { return QVariant(c.httpRequestLimitInMb); }},
        {"sslCertPath", [](const ServerConfig &c) { return QVariant(c.sslCertPath); }},
        {"sslKeyPath", [](const ServerConfig &c) { return QVariant(c.sslKeyPath); }},
        {"sslPassphrase", [](const ServerConfig &c) { return QVariant(c.sslPassphrase); }},
        {"sslCaPath", [](const ServerConfig &c) { return QVariant(c.sslCaPath); }},
        {"cacheTtlSeconds", [](const ServerConfig &c) { return QVariant(c.cacheTtlSeconds); }},
        {"maxChannelsPerConnection", [](const ServerConfig &c) { return QVariant(c.maxChannelsPerConnection); }},
        {"wsMaxMessageSizeInKb", [](const ServerConfig &c) { return QVariant(c.wsMaxMessageSizeInKb); }},
        {"wsMaxBackpressureBytes", [](const ServerConfig &c) { return QVariant(c.wsMaxBackpressureBytes); }},
        {"wsIdleTimeoutSeconds", [](const ServerConfig &c) { return QVariant(c.wsIdleTimeoutSeconds); }},
        {"metrics.enabled", [](const ServerConfig &c) { return QVariant(c.metrics.enabled); }},
        {"metrics.driver", [](const ServerConfig &c) { return QVariant(c.metrics.driver); }},
        {"metrics.host", [](const ServerConfig &c) { return QVariant(c.metrics.host); }},
        {"metrics.port", [](const ServerConfig &c) { return QVariant(c.metrics.port); }},
        {"metrics.prefix", [](const ServerConfig &c) { return QVariant(c.metrics.prefix); }},
        {"metrics.portInName", [](const ServerConfig &c) { return QVariant(c.metrics.portInName); }},
        {"adapter.driver", [](const ServerConfig &c) { return QVariant(c.adapter.driver); }},
        {"cacheDriver", [](const ServerConfig &c) { return QVariant(c.cacheDriver); }},
        {"rateLimiterDriver", [](const ServerConfig &c) { return QVariant(c.rateLimiterDriver); }},
        {"adapter.redisPrefix", [](const ServerConfig &c) { return QVariant(c.adapter.redisPrefix); }},
        {"adapter.requestsTimeoutMs", [](const ServerConfig &c) { return QVariant(c.adapter.requestsTimeoutMs); }},
        {"adapter.natsServers", [](const ServerConfig &c) { return QVariant(c.adapter.natsServers.join(u',')); }},
        {"adapter.natsPrefix", [](const ServerConfig &c) { return QVariant(c.adapter.natsPrefix); }},
        {"adapter.natsUser", [](const ServerConfig &c) { return QVariant(c.adapter.natsUser); }},
        {"adapter.natsPassword", [](const ServerConfig &c) { return QVariant(c.adapter.natsPassword); }},
        {"adapter.natsToken", [](const ServerConfig &c) { return QVariant(c.adapter.natsToken); }},
        {"adapter.natsTimeoutMs", [](const ServerConfig &c) { return QVariant(c.adapter.natsTimeoutMs); }},
        {"adapter.natsRequestsTimeoutMs",
            [](const ServerConfig &c) { return QVariant(c.adapter.natsRequestsTimeoutMs); }},
        {"adapter.natsNodesNumber", [](const ServerConfig &c) { return QVariant(c.adapter.natsNodesNumber); }},
        {"adapter.redisHost", [](const ServerConfig &c) { return QVariant(c.adapter.redisHost); }},
        {"adapter.redisPort", [](const ServerConfig &c) { return QVariant(c.adapter.redisPort); }},
        {"adapter.redisDb", [](const ServerConfig &c) { return QVariant(c.adapter.redisDb); }},
        {"adapter.redisUsername", [](const ServerConfig &c) { return QVariant(c.adapter.redisUsername); }},
        {"adapter.redisPassword", [](const ServerConfig &c) { return QVariant(c.adapter.redisPassword); }},
        {"apps.size", [](const ServerConfig &c) { return QVariant(c.apps.size()); }},
        {"appStore.driver",
            [](const ServerConfig &c) { return QVariant(AppStoreConfig::driverName(c.appStore.driver)); }},
        {"appStore.cacheEnabled", [](const ServerConfig &c) { return QVariant(c.appStore.cacheEnabled); }},
        {"appStore.cacheTtlSeconds", [](const ServerConfig &c) { return QVariant(c.appStore.cacheTtlSeconds); }},
        {"appStore.sqlitePath", [](const ServerConfig &c) { return QVariant(c.appStore.sqlitePath); }},
        {"appStore.arrayApps.size", [](const ServerConfig &c) { return QVariant(c.appStore.arrayApps.size()); }},
        {"appStore.mysql.host", [](const ServerConfig &c) { return QVariant(c.appStore.mysql.host); }},
        {"appStore.mysql.port", [](const ServerConfig &c) { return QVariant(c.appStore.mysql.port); }},
        {"appStore.mysql.username", [](const ServerConfig &c) { return QVariant(c.appStore.mysql.username); }},
        {"appStore.mysql.password", [](const ServerConfig &c) { return QVariant(c.appStore.mysql.password); }},
        {"appStore.mysql.database", [](const ServerConfig &c) { return QVariant(c.appStore.mysql.database); }},
        {"appStore.mysql.table", [](const ServerConfig &c) { return QVariant(c.appStore.mysql.table); }},
        {"appStore.postgres.host", [](const ServerConfig &c) { return QVariant(c.appStore.postgres.host); }},
        {"appStore.postgres.port", [](const ServerConfig &c) { return QVariant(c.appStore.postgres.port); }},
        {"appStore.postgres.username", [](const ServerConfig &c) { return QVariant(c.appStore.postgres.username); }},
        {"appStore.postgres.password", [](const ServerConfig &c) { return QVariant(c.appStore.postgres.password); }},
        {"appStore.postgres.database", [](const ServerConfig &c) { return QVariant(c.appStore.postgres.database); }},
        {"appStore.postgres.table", [](const ServerConfig &c) { return QVariant(c.appStore.postgres.table); }},
        {"app0.id", [](const ServerConfig &c) { return QVariant(c.apps.value(0).id); }},
        {"app0.key", [](const ServerConfig &c) { return QVariant(c.apps.value(0).key); }},
        {"app0.secret", [](const ServerConfig &c) { return QVariant(c.apps.value(0).secret); }},
        {"app0.maxConnections", [](const ServerConfig &c) { return QVariant(c.apps.value(0).maxConnections); }},
        {"app0.enableClientMessages",
            [](const ServerConfig &c) { return QVariant(c.apps.value(0).enableClientMessages); }},
        {"app0.enabled", [](const ServerConfig &c) { return QVariant(c.apps.value(0).enabled); }},
        {"app0.maxBackendEventsPerSecond",
            [](const ServerConfig &c) { return QVariant(c.apps.value(0).maxBackendEventsPerSecond); }},
        {"app0.maxClientEventsPerSecond",
            [](const ServerConfig &c) { return QVariant(c.apps.value(0).maxClientEventsPerSecond); }},
        {"app0.maxReadRequestsPerSecond",
            [](const ServerConfig &c) { return QVariant(c.apps.value(0).maxReadRequestsPerSecond); }},
        {"app0.enableUserAuthentication",
            [](const ServerConfig &c) { return QVariant(c.apps.value(0).enableUserAuthentication); }},
        {"app0.enableSubscriptionCount",
            [](const ServerConfig &c) { return QVariant(c.apps.value(0).enableSubscriptionCount); }},
        {"app0.webhooks.size", [](const ServerConfig &c) { return QVariant(c.apps.value(0).webhooks.size()); }},
        {"app0.webhooks.0.url",
            [](const ServerConfig &c) {
                return c.apps.value(0).webhooks.at(0).toObject().value(QLatin1String("url")).toVariant();
            }},
        {"app0.maxPresenceMembersPerChannel",
            [](const ServerConfig &c) { return QVariant(c.apps.value(0).maxPresenceMembersPerChannel); }},
        {"app0.maxPresenceMemberSizeInKb",
            [](const ServerConfig &c) { return QVariant(c.apps.value(0).maxPresenceMemberSizeInKb); }},
        {"app0.maxChannelNameLength",
            [](const ServerConfig &c) { return QVariant(c.apps.value(0).maxChannelNameLength); }},
        {"app0.maxEventChannelsAtOnce",
            [](const ServerConfig &c) { return QVariant(c.apps.value(0).maxEventChannelsAtOnce); }},
        {"app0.maxEventNameLength", [](const ServerConfig &c) { return QVariant(c.apps.value(0).maxEventNameLength); }},
        {"app0.maxEventPayloadInKb",
            [](const ServerConfig &c) { return QVariant(c.apps.value(0).maxEventPayloadInKb); }},
        {"app0.maxEventBatchSize", [](const ServerConfig &c) { return QVariant(c.apps.value(0).maxEventBatchSize); }},
    };
    return table;
}

QString fieldText(const ServerConfig &config, const QString &name)
{
    const auto it = fields().constFind(name);
    if (it == fields().constEnd()) {
        qFatal("test table names an unknown field");
    }
    const QVariant value = (*it)(config);
    if (value.typeId() == QMetaType::Bool) {
        return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    }
    return value.toString();
}

QProcessEnvironment environment(const QStringList &assignments)
{
    QProcessEnvironment env;
    for (const QString &assignment : assignments) {
        const qsizetype eq = assignment.indexOf(u'=');
        env.insert(assignment.left(eq), assignment.mid(eq + 1));
    }
    return env;
}

QString writeFile(const QTemporaryDir &dir, const QString &name, const QByteArray &content)
{
    const QString path = dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(content) != content.size()) {
        qFatal("cannot write a test file");
    }
    return path;
}

bool anyContains(const QStringList &lines, const QString &text)
{
    for (const QString &line : lines) {
        if (line.contains(text)) {
            return true;
        }
    }
    return false;
}

const char *const kDefaultSecretWarning = "well-known default secret";

} // namespace

// Slot bodies are defined below the class: moc 6.4 reads raw string literals inside a class body as
// ordinary strings and then loses track of brackets.
class TestConfigLoader final : public QObject
{
    Q_OBJECT

private slots:
    void defaultsEqualSoketi();
    void envVariableLandsInField_data();
    void envVariableLandsInField();
    void jsonFirstParsing_data();
    void jsonFirstParsing();
    void booleans_data();
    void booleans();
    void configFileDottedKeysAndApps();
    void precedence_data();
    void precedence();
    void envOverridesFirstAppOfTheFile();
    void serverWideLimitsInherited_data();
    void serverWideLimitsInherited();
    void errorCases_data();
    void errorCases();
    void missingConfigFile();
    void parseErrorNamesLineAndColumn();
    void errorsFromDotEnvNameTheFile();
    void secretsNeverInMessages_data();
    void secretsNeverInMessages();
    void unsupportedSoketiFeaturesWarn_data();
    void unsupportedSoketiFeaturesWarn();
    void soketiDefaultsOfUnsupportedFeaturesAreSilent_data();
    void soketiDefaultsOfUnsupportedFeaturesAreSilent();
    void everySoketiVariableIsKnown();
    void databaseDriversNeverServeTheArrayApps_data();
    void databaseDriversNeverServeTheArrayApps();
    void sslFiles();
    void portsMayMatchOnDistinctAddresses();
    void pathPrefixWithoutSlashWarns();
    void dotEnvParsing_data();
    void dotEnvParsing();
    void dotEnvBadLineWarns();
    void dotEnvJsonValues();
};

void TestConfigLoader::defaultsEqualSoketi()
{
    const ConfigResult result = ConfigLoader::load({}, QProcessEnvironment(), {});
    QVERIFY2(result.ok(), qPrintable(result.errors.join(u'\n')));
    const ServerConfig &c = result.config;
    QCOMPARE(c.debug, false);
    QCOMPARE(c.host, QStringLiteral("0.0.0.0"));
    QCOMPARE(c.port, quint16(6001));
    QCOMPARE(c.pathPrefix, QString());
    QCOMPARE(c.mode, QStringLiteral("full"));
    QCOMPARE(c.shutdownGracePeriodMs, 3000);
    QCOMPARE(c.userAuthenticationTimeoutMs, 30000);
    QCOMPARE(c.acceptTrafficMemoryThreshold, 85);
    QCOMPARE(c.httpRequestLimitInMb, 4.0); // soketi: 100; see ServerConfig.h
    QVERIFY(c.sslCertPath.isEmpty() && c.sslKeyPath.isEmpty() && c.sslPassphrase.isEmpty() && c.sslCaPath.isEmpty());
    QCOMPARE(c.cacheTtlSeconds, 3600);
    QCOMPARE(c.maxChannelsPerConnection, 1000);
    QCOMPARE(c.activityTimeoutSeconds, 30);
    QCOMPARE(c.wsMaxMessageSizeInKb, 1024);
    QCOMPARE(c.wsMaxBackpressureBytes, qint64(1024 * 1024));
    QCOMPARE(c.wsIdleTimeoutSeconds, 120);
    QCOMPARE(c.metrics.enabled, false);
    QCOMPARE(c.metrics.driver, QStringLiteral("prometheus"));
    QCOMPARE(c.metrics.host, QStringLiteral("0.0.0.0"));
    QCOMPARE(c.metrics.port, quint16(9601));
    QCOMPARE(c.metrics.prefix, QStringLiteral("soketi_"));
    QCOMPARE(c.metrics.portInName, false);
    QCOMPARE(c.adapter.driver, QStringLiteral("local"));
    QCOMPARE(c.adapter.redisPrefix, QString());
    QCOMPARE(c.adapter.requestsTimeoutMs, 5000);
    QCOMPARE(c.adapter.natsServers, QStringList{QStringLiteral("127.0.0.1:4222")});
    QCOMPARE(c.adapter.natsTimeoutMs, 10000);
    QCOMPARE(c.adapter.natsRequestsTimeoutMs, 5000);
    QCOMPARE(c.adapter.natsNodesNumber, 0);
    QCOMPARE(c.adapter.redisHost, QStringLiteral("127.0.0.1"));
    QCOMPARE(c.adapter.redisPort, quint16(6379));
    QCOMPARE(c.adapter.redisDb, 0);
    QVERIFY(c.adapter.redisUsername.isEmpty() && c.adapter.redisPassword.isEmpty());

    QCOMPARE(c.apps.size(), 1);
    const App &app = c.apps.first();
    QCOMPARE(app.id, QStringLiteral("app-id"));
    QCOMPARE(app.key, QStringLiteral("app-key"));
    QCOMPARE(app.secret, QStringLiteral("app-secret"));
    QCOMPARE(app.maxConnections, -1);
    QCOMPARE(app.enableClientMessages, false);
    QCOMPARE(app.enabled, true);
    QCOMPARE(app.maxBackendEventsPerSecond, -1);
    QCOMPARE(app.maxClientEventsPerSecond, -1);
    QCOMPARE(app.maxReadRequestsPerSecond, -1);
    QCOMPARE(app.enableUserAuthentication, false);
    QCOMPARE(app.maxPresenceMembersPerChannel, 100);
    QCOMPARE(app.maxPresenceMemberSizeInKb, 2.0);
    QCOMPARE(app.maxChannelNameLength, 200);
    QCOMPARE(app.maxEventChannelsAtOnce, 100);
    QCOMPARE(app.maxEventNameLength, 200);
    QCOMPARE(app.maxEventPayloadInKb, 100.0);
    QCOMPARE(app.maxEventBatchSize, 10);
    QCOMPARE(app.enableSubscriptionCount, false);
    QVERIFY(app.webhooks.isEmpty());

    // soketi's app manager defaults (spec §2.2): the array driver, no cache, soketi's database settings.
    const AppStoreConfig &store = c.appStore;
    QCOMPARE(store.driver, AppStoreConfig::Driver::Array);
    QCOMPARE(store.arrayApps.size(), 1);
    QCOMPARE(store.arrayApps.first().key, QStringLiteral("app-key"));
    QCOMPARE(store.defaults.maxPresenceMembersPerChannel, 100);
    QCOMPARE(store.cacheEnabled, false);
    QCOMPARE(store.cacheTtlSeconds, -1);
    QVERIFY(store.sqlitePath.isEmpty());
    for (const auto &[db, port, user] : {std::tuple{&store.mysql, 3306, "root"}, {&store.postgres, 5432, "postgres"}}) {
        QCOMPARE(db->host, QStringLiteral("127.0.0.1"));
        QCOMPARE(db->port, quint16(port));
        QCOMPARE(db->username, QLatin1String(user));
        QCOMPARE(db->password, QStringLiteral("password"));
        QCOMPARE(db->database, QStringLiteral("main"));
        QCOMPARE(db->table, QStringLiteral("apps"));
    }

    // The only remark on a default start: the public default secret.
    QCOMPARE(result.warnings.size(), 1);
    QVERIFY(result.warnings.first().contains(QLatin1String(kDefaultSecretWarning)));
    QVERIFY(!result.warnings.first().contains(QLatin1String("app-secret")));
}

void TestConfigLoader::envVariableLandsInField_data()
{
    QTest::addColumn<QString>("variable");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("expected");
    QTest::addColumn<bool>("isDefault"); // expected equals the default: the row proves a normalisation

    const auto row = [](const char *variable, const char *value, const char *field, const char *expected,
                         bool isDefault = false) {
        QTest::addRow("%s=%s", variable, value) << QString::fromUtf8(variable) << QString::fromUtf8(value)
                                                << QString::fromUtf8(field) << QString::fromUtf8(expected) << isDefault;
    };
    row("SOKETI_DEBUG", "true", "debug", "true");
    row("SOKETI_DEBUG", "1", "debug", "true");
    row("SOKETI_HOST", "127.0.0.1", "host", "127.0.0.1");
    row("SOKETI_HOST", "localhost", "host", "127.0.0.1");
    row("SOKETI_PORT", "6002", "port", "6002");
    row("SOKETI_PATH_PREFIX", "/ws", "pathPrefix", "/ws");
    row("SOKETI_MODE", "server", "mode", "server");
    row("SOKETI_MODE", "worker", "mode", "worker");
    row("SOKETI_SHUTDOWN_GRACE_PERIOD", "10000", "shutdownGracePeriodMs", "10000");
    row("SOKETI_USER_AUTHENTICATION_TIMEOUT", "5000", "userAuthenticationTimeoutMs", "5000");
    row("SOKETI_HTTP_ACCEPT_TRAFFIC_MEMORY_THRESHOLD", "70", "acceptTrafficMemoryThreshold", "70");
    row("SOKETI_HTTP_REQUEST_LIMIT_IN_MB", "20", "httpRequestLimitInMb", "20");
    row("SOKETI_HTTP_REQUEST_LIMIT_IN_MB", "0.5", "httpRequestLimitInMb", "0.5");
    row("SOKETI_SSL_PASS", "pass phrase", "sslPassphrase", "pass phrase");

    row("SOKETI_DEFAULT_APP_ID", "my-id", "app0.id", "my-id");
    row("SOKETI_DEFAULT_APP_ID", "12345", "app0.id", "12345");
    row("SOKETI_DEFAULT_APP_KEY", "my-key", "app0.key", "my-key");
    row("SOKETI_DEFAULT_APP_KEY", "\"quoted\"", "app0.key", "quoted");
    row("SOKETI_DEFAULT_APP_SECRET", "my-secret", "app0.secret", "my-secret");
    // Would lose digits as a JSON double: the text is kept.
    row("SOKETI_DEFAULT_APP_SECRET", "123456789012345678901234567890", "app0.secret", "123456789012345678901234567890");
    row("SOKETI_DEFAULT_APP_MAX_CONNS", "50", "app0.maxConnections", "50");
    row("SOKETI_DEFAULT_APP_MAX_CONNS", "0", "app0.maxConnections", "-1", true);
    row("SOKETI_DEFAULT_APP_MAX_CONNS", "-5", "app0.maxConnections", "-1", true);
    row("SOKETI_DEFAULT_APP_MAX_CLIENT_EVENTS_PER_SEC", "-3", "app0.maxClientEventsPerSecond", "-1", true);
    row("SOKETI_DEFAULT_APP_ENABLE_CLIENT_MESSAGES", "true", "app0.enableClientMessages", "true");
    row("SOKETI_DEFAULT_APP_ENABLED", "false", "app0.enabled", "false");
    row("SOKETI_DEFAULT_APP_ENABLED", "0", "app0.enabled", "false");
    row("SOKETI_DEFAULT_APP_MAX_BACKEND_EVENTS_PER_SEC", "20", "app0.maxBackendEventsPerSecond", "20");
    row("SOKETI_DEFAULT_APP_MAX_CLIENT_EVENTS_PER_SEC", "10", "app0.maxClientEventsPerSecond", "10");
    row("SOKETI_DEFAULT_APP_MAX_READ_REQ_PER_SEC", "30", "app0.maxReadRequestsPerSecond", "30");
    row("SOKETI_DEFAULT_APP_USER_AUTHENTICATION", "true", "app0.enableUserAuthentication", "true");
    row("SOKETI_DEFAULT_APP_ENABLE_SUBSCRIPTION_COUNT", "1", "app0.enableSubscriptionCount", "true");
    row("SOKETI_DEFAULT_APP_WEBHOOKS",
        R"([{"url":"http://127.0.0.1:9000/hook","event_types":["channel_occupied","member_added"]}])",
        "app0.webhooks.0.url", "http://127.0.0.1:9000/hook");

    row("SOKETI_CHANNEL_LIMITS_MAX_NAME_LENGTH", "150", "app0.maxChannelNameLength", "150");
    row("SOKETI_CHANNEL_CACHE_TTL", "60", "cacheTtlSeconds", "60");
    row("SOKETI_CHANNEL_LIMITS_MAX_PER_CONNECTION", "50", "maxChannelsPerConnection", "50");
    row("SOKETI_CHANNEL_LIMITS_MAX_PER_CONNECTION", "-1", "maxChannelsPerConnection", "-1");
    row("SOKETI_EVENT_MAX_CHANNELS_AT_ONCE", "5", "app0.maxEventChannelsAtOnce", "5");
    row("SOKETI_EVENT_MAX_NAME_LENGTH", "50", "app0.maxEventNameLength", "50");
    row("SOKETI_EVENT_MAX_SIZE_IN_KB", "20", "app0.maxEventPayloadInKb", "20");
    row("SOKETI_EVENT_MAX_BATCH_SIZE", "3", "app0.maxEventBatchSize", "3");
    row("SOKETI_PRESENCE_MAX_MEMBERS", "7", "app0.maxPresenceMembersPerChannel", "7");
    row("SOKETI_PRESENCE_MAX_MEMBER_SIZE", "1.5", "app0.maxPresenceMemberSizeInKb", "1.5");

    row("SOKETI_METRICS_ENABLED", "true", "metrics.enabled", "true");
    row("SOKETI_METRICS_DRIVER", "prometheus", "metrics.driver", "prometheus", true);
    row("SOKETI_METRICS_HOST", "127.0.0.1", "metrics.host", "127.0.0.1");
    row("SOKETI_METRICS_SERVER_PORT", "9700", "metrics.port", "9700");
    row("SOKETI_METRICS_PROMETHEUS_PREFIX", "qsoketi_", "metrics.prefix", "qsoketi_");
    row("SOKETI_METRICS_PROMETHEUS_PREFIX", "ns:sub_", "metrics.prefix", "ns:sub_");
    row("SOKETI_METRICS_PROMETHEUS_PORT_IN_NAME", "true", "metrics.portInName", "true");

    row("SOKETI_ADAPTER_DRIVER", "redis", "adapter.driver", "redis");
    row("SOKETI_ADAPTER_REDIS_PREFIX", "node-a", "adapter.redisPrefix", "node-a");
    row("SOKETI_ADAPTER_REDIS_REQUESTS_TIMEOUT", "2500", "adapter.requestsTimeoutMs", "2500");
    row("SOKETI_DB_REDIS_HOST", "redis.internal", "adapter.redisHost", "redis.internal");
    row("SOKETI_ADAPTER_DRIVER", "nats", "adapter.driver", "nats");
    row("SOKETI_CACHE_DRIVER", "redis", "cacheDriver", "redis");
    row("SOKETI_CACHE_DRIVER", "memory", "cacheDriver", "memory", true);
    row("SOKETI_RATE_LIMITER_DRIVER", "redis", "rateLimiterDriver", "redis");
    row("SOKETI_RATE_LIMITER_DRIVER", "local", "rateLimiterDriver", "local", true);
    row("SOKETI_ADAPTER_NATS_SERVERS", R"(["nats-1:4222","nats://nats-2:4222"])", "adapter.natsServers",
        "nats-1:4222,nats://nats-2:4222");
    row("SOKETI_ADAPTER_NATS_SERVERS", "a:4222, b:4222", "adapter.natsServers", "a:4222,b:4222");
    row("SOKETI_ADAPTER_NATS_PREFIX", "eu", "adapter.natsPrefix", "eu");
    row("SOKETI_ADAPTER_NATS_USER", "u", "adapter.natsUser", "u");
    row("SOKETI_ADAPTER_NATS_PASSWORD", "p", "adapter.natsPassword", "p");
    row("SOKETI_ADAPTER_NATS_TOKEN", "t", "adapter.natsToken", "t");
    row("SOKETI_ADAPTER_NATS_TIMEOUT", "3000", "adapter.natsTimeoutMs", "3000");
    row("SOKETI_ADAPTER_NATS_REQUESTS_TIMEOUT", "1500", "adapter.natsRequestsTimeoutMs", "1500");
    row("SOKETI_ADAPTER_NATS_NODES_NUMBER", "3", "adapter.natsNodesNumber", "3");
    row("SOKETI_DB_REDIS_PORT", "6380", "adapter.redisPort", "6380");
    row("SOKETI_DB_REDIS_DB", "3", "adapter.redisDb", "3");
    row("SOKETI_DB_REDIS_USERNAME", "user", "adapter.redisUsername", "user");
    row("SOKETI_DB_REDIS_PASSWORD", "pw", "adapter.redisPassword", "pw");

    row("SOKETI_APP_MANAGER_DRIVER", "mysql", "appStore.driver", "mysql");
    row("SOKETI_APP_MANAGER_DRIVER", "postgres", "appStore.driver", "postgres");
    row("SOKETI_APP_MANAGER_DRIVER", "mysql", "apps.size", "0"); // never the default app
    row("SOKETI_APP_MANAGER_DRIVER", "postgres", "appStore.arrayApps.size", "0");
    row("SOKETI_APP_MANAGER_DRIVER", "array", "appStore.driver", "array", true);
    row("SOKETI_APP_MANAGER_CACHE_ENABLED", "true", "appStore.cacheEnabled", "true");
    row("SOKETI_APP_MANAGER_CACHE_TTL", "30", "appStore.cacheTtlSeconds", "30");
    row("SOKETI_APP_MANAGER_CACHE_TTL", "0", "appStore.cacheTtlSeconds", "0");
    row("SOKETI_APP_MANAGER_MYSQL_TABLE", "soketi_apps", "appStore.mysql.table", "soketi_apps");
    row("SOKETI_APP_MANAGER_POSTGRES_TABLE", "realtime.apps", "appStore.postgres.table", "realtime.apps");
    row("SOKETI_DB_MYSQL_HOST", "db.internal", "appStore.mysql.host", "db.internal");
    row("SOKETI_DB_MYSQL_PORT", "3307", "appStore.mysql.port", "3307");
    row("SOKETI_DB_MYSQL_USERNAME", "soketi", "appStore.mysql.username", "soketi");
    row("SOKETI_DB_MYSQL_PASSWORD", "s3cret", "appStore.mysql.password", "s3cret");
    // A numeric password keeps every digit.
    row("SOKETI_DB_MYSQL_PASSWORD", "123456789012345678901234567890", "appStore.mysql.password",
        "123456789012345678901234567890");
    row("SOKETI_DB_MYSQL_DATABASE", "realtime", "appStore.mysql.database", "realtime");
    row("SOKETI_DB_POSTGRES_HOST", "10.0.0.5", "appStore.postgres.host", "10.0.0.5");
    row("SOKETI_DB_POSTGRES_PORT", "5433", "appStore.postgres.port", "5433");
    row("SOKETI_DB_POSTGRES_USERNAME", "soketi", "appStore.postgres.username", "soketi");
    row("SOKETI_DB_POSTGRES_PASSWORD", "pw with spaces", "appStore.postgres.password", "pw with spaces");
    row("SOKETI_DB_POSTGRES_DATABASE", "realtime", "appStore.postgres.database", "realtime");
    row("SOKETI_DB_SQLITE_PATH", "/var/lib/qsoketi/apps.sqlite", "appStore.sqlitePath", "/var/lib/qsoketi/apps.sqlite");

    row("SOKETI_WS_MAX_MESSAGE_SIZE_IN_KB", "64", "wsMaxMessageSizeInKb", "64");
    row("SOKETI_WS_MAX_BACKPRESSURE_IN_KB", "256", "wsMaxBackpressureBytes", "262144");
    row("SOKETI_WS_IDLE_TIMEOUT", "60", "wsIdleTimeoutSeconds", "60");
    row("SOKETI_WS_IDLE_TIMEOUT", "0", "wsIdleTimeoutSeconds", "0");
}

void TestConfigLoader::envVariableLandsInField()
{
    QFETCH(QString, variable);
    QFETCH(QString, value);
    QFETCH(QString, field);
    QFETCH(QString, expected);
    QFETCH(bool, isDefault);

    const ConfigResult before = ConfigLoader::load({}, QProcessEnvironment(), {});
    QCOMPARE(fieldText(before.config, field) == expected, isDefault);

    QProcessEnvironment env;
    env.insert(variable, value);
    const ConfigResult result = ConfigLoader::load({}, env, {});
    QVERIFY2(result.ok(), qPrintable(result.errors.join(u'\n')));
    QCOMPARE(fieldText(result.config, field), expected);
}

void TestConfigLoader::jsonFirstParsing_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("type");
    QTest::addColumn<QString>("asJson");

    QTest::newRow("integer") << "1" << int(QJsonValue::Double) << "[1]";
    QTest::newRow("negative") << "-1" << int(QJsonValue::Double) << "[-1]";
    QTest::newRow("true") << "true" << int(QJsonValue::Bool) << "[true]";
    QTest::newRow("false") << "false" << int(QJsonValue::Bool) << "[false]";
    QTest::newRow("null") << "null" << int(QJsonValue::Null) << "[null]";
    QTest::newRow("array") << R"(["nats:4222"])" << int(QJsonValue::Array) << R"([["nats:4222"]])";
    QTest::newRow("object") << R"({"a":1})" << int(QJsonValue::Object) << R"([{"a":1}])";
    QTest::newRow("json string") << R"("abc")" << int(QJsonValue::String) << R"(["abc"])";
    QTest::newRow("plain text") << "abc" << int(QJsonValue::String) << R"(["abc"])";
    QTest::newRow("two values are text") << "1,2" << int(QJsonValue::String) << R"(["1,2"])";
    QTest::newRow("broken json is text") << "[1," << int(QJsonValue::String) << "[\"[1,\"]";
    QTest::newRow("bracket injection is text") << "1],[2" << int(QJsonValue::String) << "[\"1],[2\"]";
}

void TestConfigLoader::jsonFirstParsing()
{
    QFETCH(QString, text);
    QFETCH(int, type);
    QFETCH(QString, asJson);
    const ConfigValue value = ConfigValue::fromText(text);
    QCOMPARE(int(value.json.type()), type);
    QCOMPARE(QString::fromUtf8(QJsonDocument(QJsonArray{value.json}).toJson(QJsonDocument::Compact)), asJson);
    QCOMPARE(value.text, text);
}

void TestConfigLoader::booleans_data()
{
    QTest::addColumn<QString>("value");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<bool>("expected");
    QTest::newRow("true") << "true" << true << true;
    QTest::newRow("false") << "false" << true << false;
    QTest::newRow("1") << "1" << true << true;
    QTest::newRow("0") << "0" << true << false;
    QTest::newRow("TRUE") << "TRUE" << true << true;
    QTest::newRow("quoted false") << "\"false\"" << true << false;
    QTest::newRow("yes") << "yes" << false << false;
    QTest::newRow("2") << "2" << false << false;
    QTest::newRow("array") << "[true]" << false << false;
}

void TestConfigLoader::booleans()
{
    QFETCH(QString, value);
    QFETCH(bool, valid);
    QFETCH(bool, expected);
    const ConfigResult result = ConfigLoader::load({}, environment({"SOKETI_METRICS_ENABLED=" + value}), {});
    QCOMPARE(result.ok(), valid);
    if (valid) {
        QCOMPARE(result.config.metrics.enabled, expected);
    } else {
        QCOMPARE(result.errors.size(), 1);
        QVERIFY(result.errors.first().startsWith(QLatin1String("SOKETI_METRICS_ENABLED: expected true or false")));
    }
}

void TestConfigLoader::configFileDottedKeysAndApps()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = writeFile(dir, QStringLiteral("config.json"), R"({
        "port": 6010,
        "debug": true,
        "metrics.enabled": true,
        "metrics": {"port": 9700, "prometheus": {"prefix": "qs_"}},
        "httpApi.requestLimitInMb": 5,
        "channelLimits.maxNameLength": 120,
        "channelLimits": {"maxPerConnection": 25},
        "eventLimits": {"maxBatchSize": 4},
        "appManager.array.apps": [
            {"id": "one", "key": "key-one", "secret": "s1", "max_connections": 10,
             "enable_client_messages": true, "max_presence_members_per_channel": 3},
            {"id": "two", "key": "key-two", "secret": "s2", "maxChannelNameLength": 64,
             "maxEventPayloadInKb": 8, "enableUserAuthentication": true, "enableSubscriptionCount": true,
             "webhooks": "[{\"url\":\"https://example.test/h\",\"event_types\":[\"client_event\"]}]"},
            {"AppId": 123, "AppKey": "key-three", "AppSecret": "s3", "Enabled": false}
        ],
        "appManager.array.apps.1.enableClientMessages": true,
        "appManager.array.apps.3": {"id": "four", "key": "key-four", "secret": "s4"},
        "appManager.array.apps.3.maxEventBatchSize": 2
    })");
    const ConfigResult result = ConfigLoader::load(path, QProcessEnvironment(), {});
    QVERIFY2(result.ok(), qPrintable(result.errors.join(u'\n')));
    QVERIFY(!anyContains(result.warnings, QLatin1String(kDefaultSecretWarning)));
    const ServerConfig &c = result.config;
    QCOMPARE(c.port, quint16(6010));
    QCOMPARE(c.debug, true);
    QCOMPARE(c.metrics.enabled, true);
    QCOMPARE(c.metrics.port, quint16(9700));
    QCOMPARE(c.metrics.prefix, QStringLiteral("qs_"));
    QCOMPARE(c.httpRequestLimitInMb, 5.0);
    QCOMPARE(c.maxChannelsPerConnection, 25);

    QCOMPARE(c.apps.size(), 4);
    const App &one = c.apps.at(0);
    QCOMPARE(one.id, QStringLiteral("one"));
    QCOMPARE(one.maxConnections, 10);
    QCOMPARE(one.enableClientMessages, true);
    QCOMPARE(one.maxPresenceMembersPerChannel, 3);
    QCOMPARE(one.maxChannelNameLength, 120); // server-wide value from the same file
    QCOMPARE(one.maxEventBatchSize, 4);

    const App &two = c.apps.at(1);
    QCOMPARE(two.key, QStringLiteral("key-two"));
    QCOMPARE(two.enableClientMessages, true); // dotted per-app key on top of the array
    QCOMPARE(two.maxChannelNameLength, 64);
    QCOMPARE(two.maxEventPayloadInKb, 8.0);
    QCOMPARE(two.enableUserAuthentication, true);
    QCOMPARE(two.enableSubscriptionCount, true);
    QCOMPARE(two.webhooks.size(), 1); // SQL-style JSON string
    QCOMPARE(
        two.webhooks.at(0).toObject().value(QLatin1String("url")).toString(), QStringLiteral("https://example.test/h"));
    QCOMPARE(two.maxPresenceMembersPerChannel, 100);

    const App &three = c.apps.at(2);
    QCOMPARE(three.id, QStringLiteral("123")); // numeric id becomes a string
    QCOMPARE(three.enabled, false);

    const App &four = c.apps.at(3);
    QCOMPARE(four.id, QStringLiteral("four"));
    QCOMPARE(four.maxEventBatchSize, 2);
}

void TestConfigLoader::precedence_data()
{
    QTest::addColumn<bool>("withFile");
    QTest::addColumn<bool>("withDotEnv");
    QTest::addColumn<QString>("envPort"); // "-" = not in the environment
    QTest::addColumn<int>("expected");
    QTest::newRow("defaults") << false << false << "-" << 6001;
    QTest::newRow("file over defaults") << true << false << "-" << 7001;
    QTest::newRow(".env over file") << true << true << "-" << 7002;
    QTest::newRow("env over .env and file") << true << true << "7003" << 7003;
    QTest::newRow("env over file") << true << false << "7003" << 7003;
    // dotenv never replaces a variable the environment has, even an empty one; empty = not set.
    QTest::newRow("empty env blocks .env") << true << true << "" << 7001;
}

void TestConfigLoader::precedence()
{
    QFETCH(bool, withFile);
    QFETCH(bool, withDotEnv);
    QFETCH(QString, envPort);
    QFETCH(int, expected);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString file = withFile ? writeFile(dir, QStringLiteral("config.json"), R"({"port": 7001})") : QString();
    if (withDotEnv) {
        writeFile(dir, QStringLiteral(".env"), "# local overrides\nSOKETI_PORT=7002\n");
    }
    QProcessEnvironment env;
    if (envPort != QLatin1String("-")) {
        env.insert(QStringLiteral("SOKETI_PORT"), envPort);
    }
    const ConfigResult result = ConfigLoader::load(file, env, dir.path());
    QVERIFY2(result.ok(), qPrintable(result.errors.join(u'\n')));
    QCOMPARE(int(result.config.port), expected);
}

void TestConfigLoader::envOverridesFirstAppOfTheFile()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString file = writeFile(dir, QStringLiteral("config.json"), R"({"appManager.array.apps": [
        {"id": "a", "key": "ka", "secret": "sa", "enableClientMessages": false},
        {"id": "b", "key": "kb", "secret": "sb"}]})");
    writeFile(dir, QStringLiteral(".env"), "SOKETI_DEFAULT_APP_KEY=from-dotenv\n");
    const ConfigResult result = ConfigLoader::load(file,
        environment({"SOKETI_DEFAULT_APP_ENABLE_CLIENT_MESSAGES=true", "SOKETI_PRESENCE_MAX_MEMBERS=5"}), dir.path());
    QVERIFY2(result.ok(), qPrintable(result.errors.join(u'\n')));
    QCOMPARE(result.config.apps.size(), 2);
    QCOMPARE(result.config.apps.at(0).id, QStringLiteral("a"));
    QCOMPARE(result.config.apps.at(0).key, QStringLiteral("from-dotenv"));
    QCOMPARE(result.config.apps.at(0).enableClientMessages, true);
    QCOMPARE(result.config.apps.at(1).key, QStringLiteral("kb"));
    QCOMPARE(result.config.apps.at(1).enableClientMessages, false);
    // A server-wide limit from the environment still reaches apps defined in the file.
    QCOMPARE(result.config.apps.at(0).maxPresenceMembersPerChannel, 5);
    QCOMPARE(result.config.apps.at(1).maxPresenceMembersPerChannel, 5);
}

void TestConfigLoader::serverWideLimitsInherited_data()
{
    QTest::addColumn<QString>("variable");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("appField");
    QTest::addColumn<QString>("override");
    QTest::addColumn<QString>("fieldName");

    QTest::newRow("channel name") << "SOKETI_CHANNEL_LIMITS_MAX_NAME_LENGTH"
                                  << "150"
                                  << "maxChannelNameLength"
                                  << "42"
                                  << "app0.maxChannelNameLength";
    QTest::newRow("channels at once") << "SOKETI_EVENT_MAX_CHANNELS_AT_ONCE"
                                      << "5"
                                      << "maxEventChannelsAtOnce"
                                      << "42"
                                      << "app0.maxEventChannelsAtOnce";
    QTest::newRow("event name") << "SOKETI_EVENT_MAX_NAME_LENGTH"
                                << "50"
                                << "max_event_name_length"
                                << "42"
                                << "app0.maxEventNameLength";
    QTest::newRow("payload") << "SOKETI_EVENT_MAX_SIZE_IN_KB"
                             << "20"
                             << "maxEventPayloadInKb"
                             << "42"
                             << "app0.maxEventPayloadInKb";
    QTest::newRow("batch") << "SOKETI_EVENT_MAX_BATCH_SIZE"
                           << "3"
                           << "MaxEventBatchSize"
                           << "42"
                           << "app0.maxEventBatchSize";
    QTest::newRow("presence members") << "SOKETI_PRESENCE_MAX_MEMBERS"
                                      << "7"
                                      << "maxPresenceMembersPerChannel"
                                      << "42"
                                      << "app0.maxPresenceMembersPerChannel";
    QTest::newRow("presence size") << "SOKETI_PRESENCE_MAX_MEMBER_SIZE"
                                   << "1.5"
                                   << "max_presence_member_size_in_kb"
                                   << "42"
                                   << "app0.maxPresenceMemberSizeInKb";
}

void TestConfigLoader::serverWideLimitsInherited()
{
    QFETCH(QString, variable);
    QFETCH(QString, value);
    QFETCH(QString, appField);
    QFETCH(QString, override);
    QFETCH(QString, fieldName);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QJsonObject inherits{{"id", "inherits"}, {"key", "k1"}, {"secret", "s1"}};
    QJsonObject overrides{{"id", "overrides"}, {"key", "k2"}, {"secret", "s2"}, {appField, override.toInt()}};
    const QString file = writeFile(dir, QStringLiteral("config.json"),
        QJsonDocument(QJsonObject{{"appManager.array.apps", QJsonArray{overrides, inherits}}}).toJson());

    const ConfigResult result = ConfigLoader::load(file, environment({variable + u'=' + value}), {});
    QVERIFY2(result.ok(), qPrintable(result.errors.join(u'\n')));
    QCOMPARE(result.config.apps.size(), 2);
    QCOMPARE(fieldText(result.config, fieldName), override);
    ServerConfig second = result.config;
    second.apps.removeFirst();
    QCOMPARE(fieldText(second, fieldName), value);
}

void TestConfigLoader::errorCases_data()
{
    QTest::addColumn<QStringList>("env");
    QTest::addColumn<QByteArray>("file"); // empty = no config file
    QTest::addColumn<QString>("expected"); // %FILE% = the config file's path
    QTest::addColumn<bool>("exact");

    const auto envRow = [](const char *name, const QStringList &env, const char *expected, bool exact = false) {
        QTest::newRow(name) << env << QByteArray() << QString::fromUtf8(expected) << exact;
    };
    const auto fileRow = [](const char *name, const QByteArray &file, const char *expected, bool exact = false) {
        QTest::newRow(name) << QStringList() << file << QString::fromUtf8(expected) << exact;
    };

    envRow("port not a number", {"SOKETI_PORT=abc"}, R"(SOKETI_PORT: expected a port number 1-65535, got "abc")", true);
    envRow("port too big", {"SOKETI_PORT=70000"}, "SOKETI_PORT: expected a port number 1-65535, got 70000", true);
    envRow("port fraction", {"SOKETI_PORT=60.5"}, "SOKETI_PORT: expected a port number", false);
    envRow("kubernetes port link", {"SOKETI_PORT=tcp://10.0.0.7:6001"}, "Kubernetes");
    envRow("metrics port zero", {"SOKETI_METRICS_SERVER_PORT=0"}, "SOKETI_METRICS_SERVER_PORT: expected a port");
    envRow("metrics port clash", {"SOKETI_METRICS_SERVER_PORT=6001"}, "SOKETI_METRICS_SERVER_PORT: the metrics");
    envRow("redis port negative", {"SOKETI_DB_REDIS_PORT=-5"}, "SOKETI_DB_REDIS_PORT: expected a port");
    envRow("metrics driver", {"SOKETI_METRICS_DRIVER=statsd"},
        R"(SOKETI_METRICS_DRIVER: "statsd" is not supported: only prometheus is supported)", true);
    envRow("prefix starts with digit", {"SOKETI_METRICS_PROMETHEUS_PREFIX=9bad_"},
        "SOKETI_METRICS_PROMETHEUS_PREFIX: \"9bad_\" would not make valid Prometheus metric names");
    envRow("prefix with dash", {"SOKETI_METRICS_PROMETHEUS_PREFIX=my-app_"}, "SOKETI_METRICS_PROMETHEUS_PREFIX");
    envRow("adapter cluster", {"SOKETI_ADAPTER_DRIVER=cluster"},
        R"(SOKETI_ADAPTER_DRIVER: "cluster" is not supported: qsoketi supports the local, redis and nats adapters)",
        true);
    envRow("redis cluster with the redis adapter",
        {"SOKETI_ADAPTER_DRIVER=redis", "SOKETI_ADAPTER_REDIS_CLUSTER_MODE=true"},
        "SOKETI_ADAPTER_REDIS_CLUSTER_MODE: Redis Cluster is not supported");
    envRow("redis cluster nodes with the redis cache",
        {"SOKETI_CACHE_DRIVER=redis", R"(SOKETI_DB_REDIS_CLUSTER_NODES=[{"host":"r1","port":7000}])"},
        "SOKETI_DB_REDIS_CLUSTER_NODES: Redis Cluster is not supported");
    envRow("redis sentinels with the redis rate limiter",
        {"SOKETI_RATE_LIMITER_DRIVER=redis", R"(SOKETI_DB_REDIS_SENTINELS=[{"host":"s1","port":26379}])"},
        "SOKETI_DB_REDIS_SENTINELS: Redis Sentinel is not supported");
    envRow("cache driver unknown", {"SOKETI_CACHE_DRIVER=memcached"},
        R"(SOKETI_CACHE_DRIVER: "memcached" is not supported: qsoketi's cache drivers are memory and redis)", true);
    envRow("rate limiter driver unknown", {"SOKETI_RATE_LIMITER_DRIVER=memcached"},
        R"(SOKETI_RATE_LIMITER_DRIVER: "memcached" is not supported: qsoketi's rate limiter drivers are local and redis)",
        true);
    envRow(
        "nats servers empty", {"SOKETI_ADAPTER_NATS_SERVERS=[]"}, "SOKETI_ADAPTER_NATS_SERVERS: expected at least one");
    envRow("nats servers not strings", {"SOKETI_ADAPTER_NATS_SERVERS=[4222]"},
        "SOKETI_ADAPTER_NATS_SERVERS: expected an array");
    envRow("nats nodes zero", {"SOKETI_ADAPTER_NATS_NODES_NUMBER=0"}, "SOKETI_ADAPTER_NATS_NODES_NUMBER: expected");
    envRow("app manager dynamodb", {"SOKETI_APP_MANAGER_DRIVER=dynamodb"},
        R"(SOKETI_APP_MANAGER_DRIVER: "dynamodb" is not supported: qsoketi's app managers are array, mysql, postgres and sqlite)",
        true);
    envRow("app manager unknown", {"SOKETI_APP_MANAGER_DRIVER=mongo"},
        R"(SOKETI_APP_MANAGER_DRIVER: "mongo" is not supported: qsoketi's app managers are array, mysql, postgres and sqlite)",
        true);
    envRow("sqlite without a path", {"SOKETI_APP_MANAGER_DRIVER=sqlite"},
        R"(SOKETI_APP_MANAGER_DRIVER: the sqlite app manager needs SOKETI_DB_SQLITE_PATH ("database.sqlite.path"), the file that holds the apps (created on first use))",
        true);
    envRow("table name with SQL", {"SOKETI_APP_MANAGER_MYSQL_TABLE=apps; DROP TABLE apps"},
        "SOKETI_APP_MANAGER_MYSQL_TABLE: expected a table name of letters, digits, _ and $ (schema.table allowed)");
    envRow("table name quoted", {"SOKETI_APP_MANAGER_POSTGRES_TABLE=\"apps\"x"},
        "SOKETI_APP_MANAGER_POSTGRES_TABLE: expected");
    envRow("cache ttl text", {"SOKETI_APP_MANAGER_CACHE_TTL=soon"}, "SOKETI_APP_MANAGER_CACHE_TTL: expected seconds");
    envRow("cache ttl below -1", {"SOKETI_APP_MANAGER_CACHE_TTL=-2"}, "SOKETI_APP_MANAGER_CACHE_TTL: expected seconds");
    envRow("cache enabled yes", {"SOKETI_APP_MANAGER_CACHE_ENABLED=yes"}, "SOKETI_APP_MANAGER_CACHE_ENABLED: expected");
    envRow("mysql port", {"SOKETI_DB_MYSQL_PORT=0"}, "SOKETI_DB_MYSQL_PORT: expected a port");
    envRow("postgres host empty", {"SOKETI_DB_POSTGRES_HOST=\" \""}, "SOKETI_DB_POSTGRES_HOST: expected a host");
    envRow("mode", {"SOKETI_MODE=turbo"}, "SOKETI_MODE: \"turbo\" is not a mode; use full, server or worker", true);
    envRow("debug yes", {"SOKETI_DEBUG=yes"}, "SOKETI_DEBUG: expected true or false");
    envRow("grace negative", {"SOKETI_SHUTDOWN_GRACE_PERIOD=-1"}, "SOKETI_SHUTDOWN_GRACE_PERIOD: expected");
    envRow("threshold over 100", {"SOKETI_HTTP_ACCEPT_TRAFFIC_MEMORY_THRESHOLD=150"},
        "SOKETI_HTTP_ACCEPT_TRAFFIC_MEMORY_THRESHOLD: expected a percentage 0-100, got 150", true);
    envRow("host not an address", {"SOKETI_HOST=my host"}, "SOKETI_HOST: expected an IP address");
    envRow("max conns text", {"SOKETI_DEFAULT_APP_MAX_CONNS=lots"}, "SOKETI_DEFAULT_APP_MAX_CONNS: expected");
    envRow("presence members zero", {"SOKETI_PRESENCE_MAX_MEMBERS=0"}, "SOKETI_PRESENCE_MAX_MEMBERS: expected");
    envRow("payload text", {"SOKETI_EVENT_MAX_SIZE_IN_KB=big"}, "SOKETI_EVENT_MAX_SIZE_IN_KB: expected");
    envRow("ws idle negative", {"SOKETI_WS_IDLE_TIMEOUT=-3"}, "SOKETI_WS_IDLE_TIMEOUT: expected");
    envRow("channels per connection zero", {"SOKETI_CHANNEL_LIMITS_MAX_PER_CONNECTION=0"},
        "SOKETI_CHANNEL_LIMITS_MAX_PER_CONNECTION: expected an integer >= 1 or -1 (unlimited), got 0", true);
    envRow("channels per connection below -1", {"SOKETI_CHANNEL_LIMITS_MAX_PER_CONNECTION=-2"},
        "SOKETI_CHANNEL_LIMITS_MAX_PER_CONNECTION: expected an integer >= 1 or -1 (unlimited), got -2", true);
    envRow("channels per connection text", {"SOKETI_CHANNEL_LIMITS_MAX_PER_CONNECTION=many"},
        "SOKETI_CHANNEL_LIMITS_MAX_PER_CONNECTION: expected");
    envRow("unknown variable", {"SOKETI_PROT=6001"}, "SOKETI_PROT: unknown setting");
    envRow("legacy docs name", {"SOKETI_CHANNEL_MAX_NAME_LENGTH=100"}, "SOKETI_CHANNEL_MAX_NAME_LENGTH: unknown");
    envRow("webhooks not an array", {R"(SOKETI_DEFAULT_APP_WEBHOOKS={"url":"http://x.test"})"},
        "SOKETI_DEFAULT_APP_WEBHOOKS: expected an array of webhooks");
    envRow("webhook without url", {R"(SOKETI_DEFAULT_APP_WEBHOOKS=[{"event_types":["member_added"]}])"},
        "SOKETI_DEFAULT_APP_WEBHOOKS: webhook 0 has neither a url nor a lambda_function", true);
    envRow("webhook without event types", {R"(SOKETI_DEFAULT_APP_WEBHOOKS=[{"url":"http://x.test/h"}])"},
        "SOKETI_DEFAULT_APP_WEBHOOKS: webhook 0 has no event_types");
    // The environment renames app 0 of the file onto the id of its second app.
    QTest::newRow("duplicate id via env")
        << QStringList{"SOKETI_DEFAULT_APP_ID=b"}
        << QByteArray(R"({"appManager.array.apps": [{"id": "a", "key": "k1", "secret": "s"},
                          {"id": "b", "key": "k2", "secret": "s"}]})")
        << QStringLiteral(R"("appManager.array.apps.1" in %FILE%: duplicate app id "b")") << false;

    fileRow("unknown key", R"({"metrics.enabeld": true})", R"(unknown key "metrics.enabeld" in %FILE%)", true);
    fileRow(
        "unknown nested key", R"({"metrics": {"enabeld": true}})", R"(unknown key "metrics.enabeld" in %FILE%)", true);
    fileRow("unknown top-level key", R"({"prot": 6001})", R"(unknown key "prot" in %FILE%)", true);
    fileRow("file port", R"({"port": "abc"})", R"("port" in %FILE%: expected a port number 1-65535, got "abc")", true);
    fileRow("parent not an object", R"({"metrics": 5})", R"("metrics" in %FILE%: expected an object)");
    fileRow("unparsable", "{\"port\": 6001,,}", "%FILE%: invalid JSON at offset");
    fileRow("not an object", "[1, 2]", "%FILE%: expected a JSON object");
    fileRow("app without secret", R"({"appManager.array.apps": [{"id": "a", "key": "k"}]})",
        R"("appManager.array.apps.0" in %FILE%: app "a" has no secret)", true);
    fileRow("app without id", R"({"appManager.array.apps": [{"key": "k", "secret": "s"}]})",
        R"("appManager.array.apps.0" in %FILE%: the app has no id)", true);
    fileRow("app without key", R"({"appManager.array.apps": [{"id": "a", "secret": "s"}]})",
        R"("appManager.array.apps.0" in %FILE%: app "a" has no key)", true);
    fileRow("empty id", R"({"appManager.array.apps.0.id": ""})", "the app has no id");
    fileRow("duplicate ids",
        R"({"appManager.array.apps": [{"id": "a", "key": "k1", "secret": "s"}, {"id": "a", "key": "k2", "secret": "s"}]})",
        R"("appManager.array.apps.1" in %FILE%: duplicate app id "a")");
    fileRow("duplicate keys",
        R"({"appManager.array.apps": [{"id": "a", "key": "k", "secret": "s"}, {"id": "b", "key": "k", "secret": "s"}]})",
        R"("appManager.array.apps.1" in %FILE%: duplicate app key "k")");
    fileRow("duplicate of the default app",
        R"({"appManager.array.apps.1": {"id": "app-id", "key": "k", "secret": "s"}})", "duplicate app id \"app-id\"");
    fileRow("unknown app field", R"({"appManager.array.apps": [{"id": "a", "key": "k", "secret": "s", "foo": 1}]})",
        R"(unknown key "appManager.array.apps.0.foo" in %FILE%)", true);
    fileRow("unknown dotted app field", R"({"appManager.array.apps.0.enableClientMessage": true})",
        R"(unknown key "appManager.array.apps.0.enableClientMessage" in %FILE%)", true);
    fileRow("apps not an array", R"({"appManager.array.apps": {"id": "a"}})",
        R"("appManager.array.apps" in %FILE%: expected an array of app objects)");
    fileRow("app not an object", R"({"appManager.array.apps": ["a"]})",
        R"("appManager.array.apps.0" in %FILE%: expected an app object)");
    fileRow("app index gap", R"({"appManager.array.apps.3.id": "x"})",
        R"("appManager.array.apps.3.id" in %FILE%: app 3 would leave a gap)");
    fileRow("per-app limit", R"({"appManager.array.apps.0.maxChannelNameLength": -1})",
        R"("appManager.array.apps.0.maxChannelNameLength" in %FILE%: expected an integer >= 1, got -1)", true);
    fileRow("no apps", R"({"appManager.array.apps": []})", R"("appManager.array.apps" in %FILE%: no apps)");
    fileRow("request limit", R"({"httpApi.requestLimitInMb": 0})", R"("httpApi.requestLimitInMb" in %FILE%)");
    fileRow("channels per connection zero", R"({"channelLimits": {"maxPerConnection": 0}})",
        R"("channelLimits.maxPerConnection" in %FILE%: expected an integer >= 1 or -1 (unlimited), got 0)", true);
}

void TestConfigLoader::errorCases()
{
    QFETCH(QStringList, env);
    QFETCH(QByteArray, file);
    QFETCH(QString, expected);
    QFETCH(bool, exact);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = file.isEmpty() ? QString() : writeFile(dir, QStringLiteral("config.json"), file);
    expected.replace(QLatin1String("%FILE%"), path);

    const ConfigResult result = ConfigLoader::load(path, environment(env), {});
    QVERIFY(!result.ok());
    QVERIFY2(result.errors.size() == 1, qPrintable(result.errors.join(u'\n')));
    if (exact) {
        QCOMPARE(result.errors.first(), expected);
    } else {
        QVERIFY2(result.errors.first().contains(expected), qPrintable(result.errors.first()));
    }
    QVERIFY(!result.errors.first().contains(u'\n'));
}

void TestConfigLoader::missingConfigFile()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("nope.json"));
    const ConfigResult result = ConfigLoader::load(path, QProcessEnvironment(), {});
    QCOMPARE(result.errors.size(), 1);
    QVERIFY(result.errors.first().startsWith(path + QStringLiteral(": cannot read the config file")));
}

void TestConfigLoader::parseErrorNamesLineAndColumn()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = writeFile(dir, QStringLiteral("config.json"), "{\n  \"port\": 6001\n  \"debug\": true\n}\n");
    const ConfigResult result = ConfigLoader::load(path, QProcessEnvironment(), {});
    QCOMPARE(result.errors.size(), 1);
    QVERIFY2(result.errors.first().contains(QLatin1String("(line 3, column")), qPrintable(result.errors.first()));
}

void TestConfigLoader::errorsFromDotEnvNameTheFile()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    writeFile(dir, QStringLiteral(".env"), "SOKETI_PORT=abc\n");
    const ConfigResult result = ConfigLoader::load({}, QProcessEnvironment(), dir.path());
    QCOMPARE(result.errors.size(), 1);
    QCOMPARE(result.errors.first(),
        QStringLiteral("SOKETI_PORT (from %1): expected a port number 1-65535, got \"abc\"")
            .arg(dir.filePath(QStringLiteral(".env"))));
}

void TestConfigLoader::secretsNeverInMessages_data()
{
    QTest::addColumn<QStringList>("env");
    QTest::addColumn<QString>("secret");
    QTest::addColumn<bool>("isError");
    QTest::newRow("app secret as object")
        << QStringList{R"(SOKETI_DEFAULT_APP_SECRET={"v":"hunter2"})"} << "hunter2" << true;
    QTest::newRow("ssl pass as array") << QStringList{R"(SOKETI_SSL_PASS=["hunter2"])"} << "hunter2" << true;
    // Scalars are where a value would be echoed ("got true"), so these rows catch a missing secret flag.
    QTest::newRow("app secret as bool") << QStringList{"SOKETI_DEFAULT_APP_SECRET=false"} << "false" << true;
    QTest::newRow("ssl pass as bool") << QStringList{"SOKETI_SSL_PASS=true"} << "true" << true;
    QTest::newRow("redis password as bool") << QStringList{"SOKETI_DB_REDIS_PASSWORD=true"} << "true" << true;
    QTest::newRow("webhook url credentials")
        << QStringList{R"(SOKETI_DEFAULT_APP_WEBHOOKS=[{"url":"ftp://u:hunter2@x.test","event_types":[]}])"}
        << "hunter2" << true;
    QTest::newRow("mysql password as bool") << QStringList{"SOKETI_DB_MYSQL_PASSWORD=true"} << "true" << true;
    QTest::newRow("postgres password as object")
        << QStringList{R"(SOKETI_DB_POSTGRES_PASSWORD={"pw":"hunter2"})"} << "hunter2" << true;
    QTest::newRow("default app ignored by a database driver")
        << QStringList{"SOKETI_DEFAULT_APP_SECRET=hunter2", "SOKETI_APP_MANAGER_DRIVER=postgres"} << "hunter2" << false;
    QTest::newRow("nats token as object")
        << QStringList{R"(SOKETI_ADAPTER_NATS_TOKEN={"t":"hunter2"})"} << "hunter2" << true;
    QTest::newRow("nats password as bool") << QStringList{"SOKETI_ADAPTER_NATS_PASSWORD=true"} << "true" << true;
}

void TestConfigLoader::secretsNeverInMessages()
{
    QFETCH(QStringList, env);
    QFETCH(QString, secret);
    QFETCH(bool, isError);
    const ConfigResult result = ConfigLoader::load({}, environment(env), {});
    const QString variable = env.first().section(u'=', 0, 0);
    const QStringList &lines = isError ? result.errors : result.warnings;
    QVERIFY(anyContains(lines, variable));
    QCOMPARE(result.ok(), !isError);
    for (const QString &line : result.errors + result.warnings) {
        QVERIFY2(!line.contains(secret), qPrintable(line));
    }
}

void TestConfigLoader::unsupportedSoketiFeaturesWarn_data()
{
    QTest::addColumn<QStringList>("env");
    QTest::addColumn<QByteArray>("file");
    QTest::addColumn<QString>("named");

    const auto envRow = [](const char *variable, const char *value) {
        QTest::addRow("%s=%s", variable, value)
            << QStringList{QString::fromUtf8(variable) + u'=' + QString::fromUtf8(value)} << QByteArray()
            << QString::fromUtf8(variable);
    };
    envRow("SOKETI_APP_MANAGER_DYNAMODB_TABLE", "realtime-apps");
    envRow("SOKETI_APP_MANAGER_MYSQL_VERSION", "5.7");
    envRow("SOKETI_DB_POOLING_ENABLED", "true");
    envRow("SOKETI_ADAPTER_NATS_CREDENTIALS", "/etc/nats/user.creds");
    envRow("SOKETI_ADAPTER_REDIS_CLUSTER_MODE", "true"); // no Redis driver in use: ignored
    envRow("SOKETI_CLUSTER_PORT", "11003");
    envRow("SOKETI_CLUSTER_UNICAST_ADDRESSES", R"(["10.0.0.1"])");
    envRow("SOKETI_QUEUE_DRIVER", "sqs");
    envRow("SOKETI_QUEUE_SQS_URL", "https://sqs.test/q.fifo");
    envRow("SOKETI_CACHE_REDIS_CLUSTER_MODE", "true");
    envRow("SOKETI_RATE_LIMITER_DRIVER", "cluster");
    envRow("SOKETI_RATE_LIMITER_REDIS_CLUSTER_MODE", "true");
    envRow("SOKETI_DB_REDIS_SENTINELS", R"([{"host":"s1","port":26379}])");
    envRow("SOKETI_DB_REDIS_KEY_PREFIX", "app:");
    QTest::newRow("file cors") << QStringList() << QByteArray(R"({"cors.origin": ["https://a.test"]})")
                               << "\"cors.origin\" in";
    QTest::newRow("file queue object") << QStringList() << QByteArray(R"({"queue": {"driver": "redis"}})")
                                       << "\"queue.driver\" in";
    QTest::newRow("kubernetes service link")
        << QStringList{"SOKETI_SERVICE_HOST=10.0.0.7"} << QByteArray() << "SOKETI_SERVICE_HOST";
    QTest::newRow("kubernetes port link")
        << QStringList{"SOKETI_PORT_6001_TCP_ADDR=10.0.0.7"} << QByteArray() << "SOKETI_PORT_6001_TCP_ADDR";
    QTest::newRow("lambda webhook")
        << QStringList{R"(SOKETI_DEFAULT_APP_WEBHOOKS=[{"lambda_function":"f","event_types":["client_event"]}])"}
        << QByteArray() << "SOKETI_DEFAULT_APP_WEBHOOKS";
}

void TestConfigLoader::unsupportedSoketiFeaturesWarn()
{
    QFETCH(QStringList, env);
    QFETCH(QByteArray, file);
    QFETCH(QString, named);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = file.isEmpty() ? QString() : writeFile(dir, QStringLiteral("config.json"), file);
    const ConfigResult result = ConfigLoader::load(path, environment(env), {});
    QVERIFY2(result.ok(), qPrintable(result.errors.join(u'\n')));
    QStringList relevant = result.warnings.filter(named);
    QCOMPARE(relevant.size(), 1);
    QCOMPARE(result.warnings.size(), 2); // plus the default-secret remark
}

void TestConfigLoader::soketiDefaultsOfUnsupportedFeaturesAreSilent_data()
{
    QTest::addColumn<QString>("assignment");
    QTest::newRow("app manager array") << "SOKETI_APP_MANAGER_DRIVER=array";
    QTest::newRow("queue sync") << "SOKETI_QUEUE_DRIVER=sync";
    QTest::newRow("cache memory") << "SOKETI_CACHE_DRIVER=memory";
    QTest::newRow("rate limiter local") << "SOKETI_RATE_LIMITER_DRIVER=local";
    QTest::newRow("batching off") << "SOKETI_WEBHOOKS_BATCHING=false";
    QTest::newRow("cluster port default") << "SOKETI_CLUSTER_PORT=11002";
    QTest::newRow("nats user null") << "SOKETI_ADAPTER_NATS_USER=null";
}

void TestConfigLoader::soketiDefaultsOfUnsupportedFeaturesAreSilent()
{
    QFETCH(QString, assignment);
    const ConfigResult result = ConfigLoader::load({}, environment({assignment}), {});
    QVERIFY(result.ok());
    QCOMPARE(result.warnings.size(), 1);
    QVERIFY(result.warnings.first().contains(QLatin1String(kDefaultSecretWarning)));
}

void TestConfigLoader::everySoketiVariableIsKnown()
{
    // Every name of soketi's src/cli/cli.ts (spec §2.2) plus qsoketi's extensions.
    const QStringList names{"ADAPTER_DRIVER", "ADAPTER_CLUSTER_REQUESTS_TIMEOUT", "ADAPTER_REDIS_PREFIX",
        "ADAPTER_REDIS_CLUSTER_MODE", "ADAPTER_REDIS_REQUESTS_TIMEOUT", "ADAPTER_REDIS_SUB_OPTIONS",
        "ADAPTER_REDIS_PUB_OPTIONS", "ADAPTER_REDIS_SHARD_MODE", "ADAPTER_NATS_PREFIX", "ADAPTER_NATS_SERVERS",
        "ADAPTER_NATS_USER", "ADAPTER_NATS_PASSWORD", "ADAPTER_NATS_TOKEN", "ADAPTER_NATS_CREDENTIALS",
        "ADAPTER_NATS_TIMEOUT", "ADAPTER_NATS_REQUESTS_TIMEOUT", "ADAPTER_NATS_NODES_NUMBER", "APP_MANAGER_DRIVER",
        "APP_MANAGER_CACHE_ENABLED", "APP_MANAGER_CACHE_TTL", "APP_MANAGER_DYNAMODB_TABLE",
        "APP_MANAGER_DYNAMODB_REGION", "APP_MANAGER_DYNAMODB_ENDPOINT", "APP_MANAGER_MYSQL_TABLE",
        "APP_MANAGER_MYSQL_VERSION", "APP_MANAGER_POSTGRES_TABLE", "APP_MANAGER_POSTGRES_VERSION",
        "APP_MANAGER_MYSQL_USE_V2", "CHANNEL_LIMITS_MAX_NAME_LENGTH", "CHANNEL_CACHE_TTL", "CACHE_DRIVER",
        "CACHE_REDIS_CLUSTER_MODE", "CACHE_REDIS_OPTIONS", "CLUSTER_CHECK_INTERVAL", "CLUSTER_HOST",
        "CLUSTER_IGNORE_PROCESS", "CLUSTER_BROADCAST_ADDRESS", "CLUSTER_KEEPALIVE_INTERVAL", "CLUSTER_MASTER_TIMEOUT",
        "CLUSTER_MULTICAST_ADDRESS", "CLUSTER_NODE_TIMEOUT", "CLUSTER_PORT", "CLUSTER_PREFIX",
        "CLUSTER_UNICAST_ADDRESSES", "DEBUG", "DEFAULT_APP_ID", "DEFAULT_APP_KEY", "DEFAULT_APP_SECRET",
        "DEFAULT_APP_MAX_CONNS", "DEFAULT_APP_ENABLE_CLIENT_MESSAGES", "DEFAULT_APP_ENABLED",
        "DEFAULT_APP_MAX_BACKEND_EVENTS_PER_SEC", "DEFAULT_APP_MAX_CLIENT_EVENTS_PER_SEC",
        "DEFAULT_APP_MAX_READ_REQ_PER_SEC", "DEFAULT_APP_USER_AUTHENTICATION", "DEFAULT_APP_WEBHOOKS",
        "DB_POOLING_ENABLED", "DB_POOLING_MIN", "DB_POOLING_MAX", "DB_MYSQL_HOST", "DB_MYSQL_PORT", "DB_MYSQL_USERNAME",
        "DB_MYSQL_PASSWORD", "DB_MYSQL_DATABASE", "DB_POSTGRES_HOST", "DB_POSTGRES_PORT", "DB_POSTGRES_USERNAME",
        "DB_POSTGRES_PASSWORD", "DB_POSTGRES_DATABASE", "DB_REDIS_HOST", "DB_REDIS_PORT", "DB_REDIS_DB",
        "DB_REDIS_USERNAME", "DB_REDIS_PASSWORD", "DB_REDIS_KEY_PREFIX", "DB_REDIS_SENTINELS",
        "DB_REDIS_SENTINEL_PASSWORD", "DB_REDIS_CLUSTER_NODES", "DB_REDIS_INSTANCE_NAME", "EVENT_MAX_BATCH_SIZE",
        "EVENT_MAX_CHANNELS_AT_ONCE", "EVENT_MAX_NAME_LENGTH", "EVENT_MAX_SIZE_IN_KB",
        "HTTP_ACCEPT_TRAFFIC_MEMORY_THRESHOLD", "HOST", "METRICS_ENABLED", "METRICS_DRIVER", "METRICS_HOST",
        "METRICS_PROMETHEUS_PREFIX", "METRICS_SERVER_PORT", "MODE", "PORT", "PATH_PREFIX", "PRESENCE_MAX_MEMBER_SIZE",
        "PRESENCE_MAX_MEMBERS", "QUEUE_DRIVER", "QUEUE_REDIS_CONCURRENCY", "QUEUE_REDIS_OPTIONS",
        "QUEUE_REDIS_CLUSTER_MODE", "QUEUE_SQS_REGION", "QUEUE_SQS_CLIENT_OPTIONS", "QUEUE_SQS_URL",
        "QUEUE_SQS_ENDPOINT", "QUEUE_SQS_PROCESS_BATCH", "QUEUE_SQS_BATCH_SIZE", "QUEUE_SQS_POLLING_WAIT_TIME_MS",
        "RATE_LIMITER_DRIVER", "RATE_LIMITER_REDIS_OPTIONS", "RATE_LIMITER_REDIS_CLUSTER_MODE", "SHUTDOWN_GRACE_PERIOD",
        "SSL_CERT", "SSL_KEY", "SSL_PASS", "SSL_CA", "USER_AUTHENTICATION_TIMEOUT", "WEBHOOKS_BATCHING",
        "WEBHOOKS_BATCHING_DURATION", "METRICS_PROMETHEUS_PORT_IN_NAME", "WS_MAX_MESSAGE_SIZE_IN_KB",
        "WS_MAX_BACKPRESSURE_IN_KB", "WS_IDLE_TIMEOUT", "DEFAULT_APP_ENABLE_SUBSCRIPTION_COUNT",
        "CHANNEL_LIMITS_MAX_PER_CONNECTION", "HTTP_REQUEST_LIMIT_IN_MB", "DB_SQLITE_PATH"};
    for (const QString &name : names) {
        QVERIFY2(ConfigBuilder::isKnownEnvironmentVariable(QStringLiteral("SOKETI_") + name), qPrintable(name));
    }
    QVERIFY(!ConfigBuilder::isKnownEnvironmentVariable(QStringLiteral("SOKETI_PROT")));
    QVERIFY(!ConfigBuilder::isKnownEnvironmentVariable(QStringLiteral("PORT")));
}

void TestConfigLoader::databaseDriversNeverServeTheArrayApps_data()
{
    QTest::addColumn<QStringList>("env");
    QTest::addColumn<QByteArray>("file");
    QTest::addColumn<QString>("ignored"); // the source named by the one "ignored" warning; empty = none
    QTest::newRow("driver alone") << QStringList{"SOKETI_APP_MANAGER_DRIVER=mysql"} << QByteArray() << QString();
    QTest::newRow("default app variables") << QStringList{"SOKETI_APP_MANAGER_DRIVER=postgres",
        "SOKETI_DEFAULT_APP_KEY=k", "SOKETI_PRESENCE_MAX_MEMBERS=7"}
                                           << QByteArray() << QStringLiteral("SOKETI_DEFAULT_APP_KEY");
    QTest::newRow("apps of the config file")
        << QStringList{"SOKETI_DB_SQLITE_PATH=/tmp/apps.sqlite"}
        << QByteArray(
               R"({"appManager": {"driver": "sqlite"}, "appManager.array.apps": [{"id": "a", "key": "k", "secret": "s"}]})")
        << QStringLiteral("\"appManager.array.apps.0.id\" in");
}

void TestConfigLoader::databaseDriversNeverServeTheArrayApps()
{
    QFETCH(QStringList, env);
    QFETCH(QByteArray, file);
    QFETCH(QString, ignored);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = file.isEmpty() ? QString() : writeFile(dir, QStringLiteral("config.json"), file);
    const ConfigResult result = ConfigLoader::load(path, environment(env), {});
    QVERIFY2(result.ok(), qPrintable(result.errors.join(u'\n')));
    QVERIFY(result.config.appStore.driver != AppStoreConfig::Driver::Array);
    QVERIFY(result.config.apps.isEmpty());
    QVERIFY(result.config.appStore.arrayApps.isEmpty());
    // No remark about soketi's default secret: that app is not served.
    QVERIFY(!anyContains(result.warnings, QLatin1String(kDefaultSecretWarning)));
    QCOMPARE(result.warnings.size(), ignored.isEmpty() ? 0 : 1);
    if (!ignored.isEmpty()) {
        QVERIFY2(result.warnings.first().startsWith(ignored), qPrintable(result.warnings.first()));
        QVERIFY(result.warnings.first().contains(QLatin1String("reads the apps from the database")));
    }
    // Server-wide limits still reach the apps of the store (NULL columns).
    QCOMPARE(result.config.appStore.defaults.maxPresenceMembersPerChannel,
        env.contains(QStringLiteral("SOKETI_PRESENCE_MAX_MEMBERS=7")) ? 7 : 100);
}

void TestConfigLoader::sslFiles()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString cert = writeFile(dir, QStringLiteral("cert.pem"), "cert");
    const QString key = writeFile(dir, QStringLiteral("key.pem"), "key");

    ConfigResult result = ConfigLoader::load({}, environment({"SOKETI_SSL_CERT=" + cert, "SOKETI_SSL_KEY=" + key}), {});
    QVERIFY2(result.ok(), qPrintable(result.errors.join(u'\n')));
    QCOMPARE(result.config.sslCertPath, cert);
    QCOMPARE(result.config.sslKeyPath, key);

    result = ConfigLoader::load({}, environment({"SOKETI_SSL_CERT=" + cert}), {});
    QCOMPARE(result.errors.size(), 1);
    QVERIFY(result.errors.first().startsWith(QLatin1String("SOKETI_SSL_CERT: TLS needs a key")));

    const QString missing = dir.filePath(QStringLiteral("missing.pem"));
    result = ConfigLoader::load({}, environment({"SOKETI_SSL_CERT=" + cert, "SOKETI_SSL_KEY=" + missing}), {});
    QCOMPARE(result.errors.size(), 1);
    QVERIFY(result.errors.first().startsWith(QLatin1String("SOKETI_SSL_KEY: \"")));
    QVERIFY(result.errors.first().contains(QLatin1String("is not a readable file")));
}

void TestConfigLoader::portsMayMatchOnDistinctAddresses()
{
    const ConfigResult result = ConfigLoader::load({},
        environment({"SOKETI_HOST=127.0.0.1", "SOKETI_METRICS_HOST=127.0.0.2", "SOKETI_METRICS_SERVER_PORT=6001"}), {});
    QVERIFY2(result.ok(), qPrintable(result.errors.join(u'\n')));
    QCOMPARE(result.config.metrics.port, quint16(6001));

    const ConfigResult clash = ConfigLoader::load(
        {}, environment({"SOKETI_HOST=127.0.0.1", "SOKETI_METRICS_HOST=::", "SOKETI_METRICS_SERVER_PORT=6001"}), {});
    QCOMPARE(clash.errors.size(), 1);
    QVERIFY(clash.errors.first().startsWith(QLatin1String("SOKETI_METRICS_SERVER_PORT: the metrics server")));
}

void TestConfigLoader::pathPrefixWithoutSlashWarns()
{
    const ConfigResult result = ConfigLoader::load({}, environment({"SOKETI_PATH_PREFIX=ws"}), {});
    QVERIFY(result.ok());
    QCOMPARE(result.warnings.filter(QLatin1String("SOKETI_PATH_PREFIX")).size(), 1);
}

void TestConfigLoader::dotEnvParsing_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("value");

    QTest::newRow("plain") << QByteArray("A=1\n") << "A"
                           << "1";
    QTest::newRow("spaces around") << QByteArray("  A  =  hello world  \n") << "A"
                                   << "hello world";
    QTest::newRow("export") << QByteArray("export A=x\n") << "A"
                            << "x";
    QTest::newRow("inline comment") << QByteArray("A=value # note\n") << "A"
                                    << "value";
    QTest::newRow("single quotes keep json") << QByteArray(R"(A='[{"url":"http://h.test"}]')") << "A"
                                             << R"([{"url":"http://h.test"}])";
    QTest::newRow("double quotes expand newline") << QByteArray(R"(A="a\nb")") << "A"
                                                  << "a\nb";
    QTest::newRow("hash inside quotes") << QByteArray("A=\"a#b\" # c\n") << "A"
                                        << "a#b";
    QTest::newRow("backticks") << QByteArray("A=`it's`\n") << "A"
                               << "it's";
    QTest::newRow("multi-line quoted") << QByteArray("A=\"line1\nline2\"\nB=2\n") << "A"
                                       << "line1\nline2";
    QTest::newRow("after multi-line") << QByteArray("A=\"line1\nline2\"\nB=2\n") << "B"
                                      << "2";
    QTest::newRow("crlf") << QByteArray("A=1\r\nB=2\r\n") << "B"
                          << "2";
    QTest::newRow("later wins") << QByteArray("A=1\nA=2\n") << "A"
                                << "2";
    QTest::newRow("empty") << QByteArray("A=\n") << "A"
                           << "";
    QTest::newRow("unclosed quote is literal") << QByteArray("A=\"abc\n") << "A"
                                               << "\"abc";
    QTest::newRow("comment lines skipped") << QByteArray("# A=1\n\nA=3\n") << "A"
                                           << "3";
}

void TestConfigLoader::dotEnvParsing()
{
    QFETCH(QByteArray, content);
    QFETCH(QString, key);
    QFETCH(QString, value);
    QStringList warnings;
    const QMap<QString, QString> values = DotEnvFile::parse(content, QStringLiteral(".env"), &warnings);
    QVERIFY(values.contains(key));
    QCOMPARE(values.value(key), value);
    QVERIFY2(warnings.isEmpty(), qPrintable(warnings.join(u'\n')));
}

void TestConfigLoader::dotEnvBadLineWarns()
{
    QStringList warnings;
    const QMap<QString, QString> values =
        DotEnvFile::parse("A=1\nthis is not an assignment\nB=2\n", QStringLiteral("x/.env"), &warnings);
    QCOMPARE(values.size(), 2);
    QCOMPARE(warnings, QStringList{QStringLiteral("x/.env line 2: not a KEY=VALUE line; ignored")});
}

void TestConfigLoader::dotEnvJsonValues()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    writeFile(dir, QStringLiteral(".env"),
        "SOKETI_DEFAULT_APP_WEBHOOKS='[{\"url\":\"http://127.0.0.1:1/h\",\"event_types\":[\"member_added\"]}]'\n"
        "SOKETI_METRICS_ENABLED=1\nOTHER_VARIABLE=ignored\n");
    const ConfigResult result = ConfigLoader::load({}, QProcessEnvironment(), dir.path());
    QVERIFY2(result.ok(), qPrintable(result.errors.join(u'\n')));
    QCOMPARE(result.config.metrics.enabled, true);
    QCOMPARE(result.config.apps.first().webhooks.size(), 1);
}

QTEST_APPLESS_MAIN(TestConfigLoader)
#include "tst_configloader.moc"
