// SPDX-License-Identifier: GPL-3.0-or-later
#include "config/AppFields.h"

#include <climits>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStringList>
#include <QUrl>

#include "auth/OriginAllowList.h"
#include "config/ValueReader.h"

namespace qsoketi {

namespace {

using Field = AppFields::Field;

bool readRateLimit(const ValueReader &r, int &out)
{
    int v = 0;
    if (!r.integer(v, INT_MIN, INT_MAX, QStringLiteral("an integer (-1 = unlimited)"))) {
        return false;
    }
    out = v < 0 ? -1 : v;
    return true;
}

bool readWebhooks(const ValueReader &r, App &app)
{
    QJsonArray hooks;
    if (r.json().isArray()) {
        hooks = r.json().toArray();
    } else if (r.json().isString()) {
        // SQL and DynamoDB rows keep webhooks as a JSON string.
        const QJsonDocument doc = QJsonDocument::fromJson(r.json().toString().toUtf8());
        if (!doc.isArray()) {
            r.expected(QStringLiteral("an array of webhooks"));
            return false;
        }
        hooks = doc.array();
    } else {
        r.expected(QStringLiteral("an array of webhooks"));
        return false;
    }
    static const QStringList knownEvents{QStringLiteral("client_event"), QStringLiteral("channel_occupied"),
        QStringLiteral("channel_vacated"), QStringLiteral("member_added"), QStringLiteral("member_removed"),
        QStringLiteral("cache_miss")};
    // Webhook contents (URLs, headers) may hold credentials: messages name the entry, never its values.
    for (qsizetype i = 0; i < hooks.size(); ++i) {
        if (!hooks.at(i).isObject()) {
            r.fail(QStringLiteral("webhook %1 is not an object").arg(i));
            return false;
        }
        const QJsonObject hook = hooks.at(i).toObject();
        const QString url = hook.value(QLatin1String("url")).toString();
        const QString lambda = hook.value(QLatin1String("lambda_function")).toString();
        if (url.isEmpty() && lambda.isEmpty()) {
            r.fail(QStringLiteral("webhook %1 has neither a url nor a lambda_function").arg(i));
            return false;
        }
        if (!url.isEmpty()) {
            const QUrl parsed(url, QUrl::StrictMode);
            if (!parsed.isValid()
                || (parsed.scheme() != QLatin1String("http") && parsed.scheme() != QLatin1String("https"))
                || parsed.host().isEmpty()) {
                r.fail(QStringLiteral("webhook %1: url is not an http(s) URL").arg(i));
                return false;
            }
        } else {
            r.warn(QStringLiteral("webhook %1 is an AWS Lambda webhook, which qsoketi does not send").arg(i));
        }
        const QJsonValue types = hook.value(QLatin1String("event_types"));
        if (!types.isArray()) {
            r.fail(QStringLiteral("webhook %1 has no event_types array").arg(i));
            return false;
        }
        for (const QJsonValue type : types.toArray()) {
            if (!type.isString()) {
                r.fail(QStringLiteral("webhook %1: event_types must be strings").arg(i));
                return false;
            }
            if (!knownEvents.contains(type.toString())) {
                r.warn(QStringLiteral("webhook %1: unknown event type %2 is never sent")
                           .arg(i)
                           .arg(ValueReader::quoted(type.toString())));
            }
        }
        if (hook.contains(QLatin1String("headers")) && !hook.value(QLatin1String("headers")).isObject()) {
            r.fail(QStringLiteral("webhook %1: headers must be an object").arg(i));
            return false;
        }
    }
    app.webhooks = hooks;
    return true;
}

bool readOrigins(const ValueReader &r, App &app)
{
    QStringList origins;
    if (r.json().isArray()) {
        for (const QJsonValue &entry : r.json().toArray()) {
            if (!entry.isString()) {
                r.expected(QStringLiteral("an array of origins (strings)"));
                return false;
            }
            origins += OriginAllowList::parse(entry.toString());
        }
    } else if (r.json().isString()) {
        origins = OriginAllowList::parse(r.json().toString()); // "https://a.com,https://*.b.com" or a JSON array
    } else {
        r.expected(QStringLiteral("origins: an array, or a comma-separated list"));
        return false;
    }
    for (const QString &origin : std::as_const(origins)) {
        if (const QString problem = OriginAllowList::checkEntry(origin); !problem.isEmpty()) {
            r.fail(problem);
            return false;
        }
    }
    app.allowedOrigins = origins;
    return true;
}

const Field kAppFields[] = {
    {"id", nullptr, "AppId", false, [](const ValueReader &r, App &a) { return r.string(a.id); }},
    {"key", nullptr, "AppKey", false, [](const ValueReader &r, App &a) { return r.string(a.key); }},
    {"secret", nullptr, "AppSecret", true, [](const ValueReader &r, App &a) { return r.string(a.secret); }},
    {"maxConnections", "max_connections", "MaxConnections", false,
        [](const ValueReader &r, App &a) {
            int v = 0;
            if (!r.integer(v, INT_MIN, INT_MAX, QStringLiteral("an integer (-1 or 0 = unlimited)"))) {
                return false;
            }
            a.maxConnections = v <= 0 ? -1 : v;
            return true;
        }},
    {"enableClientMessages", "enable_client_messages", "EnableClientMessages", false,
        [](const ValueReader &r, App &a) { return r.boolean(a.enableClientMessages); }},
    {"enabled", nullptr, "Enabled", false, [](const ValueReader &r, App &a) { return r.boolean(a.enabled); }},
    {"maxBackendEventsPerSecond", "max_backend_events_per_sec", "MaxBackendEventsPerSecond", false,
        [](const ValueReader &r, App &a) { return readRateLimit(r, a.maxBackendEventsPerSecond); }},
    {"maxClientEventsPerSecond", "max_client_events_per_sec", "MaxClientEventsPerSecond", false,
        [](const ValueReader &r, App &a) { return readRateLimit(r, a.maxClientEventsPerSecond); }},
    {"maxReadRequestsPerSecond", "max_read_req_per_sec", "MaxReadRequestsPerSecond", false,
        [](const ValueReader &r, App &a) { return readRateLimit(r, a.maxReadRequestsPerSecond); }},
    {"webhooks", nullptr, "Webhooks", true, readWebhooks},
    {"maxPresenceMembersPerChannel", "max_presence_members_per_channel", "MaxPresenceMembersPerChannel", false,
        [](const ValueReader &r, App &a) {
            return r.integer(a.maxPresenceMembersPerChannel, 1, INT_MAX, QStringLiteral("an integer >= 1"));
        }},
    {"maxPresenceMemberSizeInKb", "max_presence_member_size_in_kb", "MaxPresenceMemberSizeInKb", false,
        [](const ValueReader &r, App &a) {
            return r.number(a.maxPresenceMemberSizeInKb, 0, true, QStringLiteral("a size in KB > 0"));
        }},
    {"maxChannelNameLength", "max_channel_name_length", "MaxChannelNameLength", false,
        [](const ValueReader &r, App &a) {
            return r.integer(a.maxChannelNameLength, 1, INT_MAX, QStringLiteral("an integer >= 1"));
        }},
    {"maxEventChannelsAtOnce", "max_event_channels_at_once", "MaxEventChannelsAtOnce", false,
        [](const ValueReader &r, App &a) {
            return r.integer(a.maxEventChannelsAtOnce, 1, INT_MAX, QStringLiteral("an integer >= 1"));
        }},
    {"maxEventNameLength", "max_event_name_length", "MaxEventNameLength", false,
        [](const ValueReader &r, App &a) {
            return r.integer(a.maxEventNameLength, 1, INT_MAX, QStringLiteral("an integer >= 1"));
        }},
    {"maxEventPayloadInKb", "max_event_payload_in_kb", "MaxEventPayloadInKb", false,
        [](const ValueReader &r, App &a) {
            return r.number(a.maxEventPayloadInKb, 0, true, QStringLiteral("a size in KB > 0"));
        }},
    {"maxEventBatchSize", "max_event_batch_size", "MaxEventBatchSize", false,
        [](const ValueReader &r, App &a) {
            return r.integer(a.maxEventBatchSize, 1, INT_MAX, QStringLiteral("an integer >= 1"));
        }},
    {"enableUserAuthentication", "enable_user_authentication", "EnableUserAuthentication", false,
        [](const ValueReader &r, App &a) { return r.boolean(a.enableUserAuthentication); }},
    // qsoketi extension.
    {"enableSubscriptionCount", "enable_subscription_count", "EnableSubscriptionCount", false,
        [](const ValueReader &r, App &a) { return r.boolean(a.enableSubscriptionCount); }},
    {"allowedOrigins", "allowed_origins", "AllowedOrigins", false, readOrigins},
};

// SOKETI_DEFAULT_APP_* → field of app 0.
struct DefaultAppVariable
{
    const char *env;
    const char *field;
};

const DefaultAppVariable kDefaultAppVariables[] = {
    {"DEFAULT_APP_ID", "id"}, {"DEFAULT_APP_KEY", "key"}, {"DEFAULT_APP_SECRET", "secret"},
    {"DEFAULT_APP_MAX_CONNS", "maxConnections"}, {"DEFAULT_APP_ENABLE_CLIENT_MESSAGES", "enableClientMessages"},
    {"DEFAULT_APP_ENABLED", "enabled"}, {"DEFAULT_APP_MAX_BACKEND_EVENTS_PER_SEC", "maxBackendEventsPerSecond"},
    {"DEFAULT_APP_MAX_CLIENT_EVENTS_PER_SEC", "maxClientEventsPerSecond"},
    {"DEFAULT_APP_MAX_READ_REQ_PER_SEC", "maxReadRequestsPerSecond"},
    {"DEFAULT_APP_USER_AUTHENTICATION", "enableUserAuthentication"}, {"DEFAULT_APP_WEBHOOKS", "webhooks"},
    {"DEFAULT_APP_ENABLE_SUBSCRIPTION_COUNT", "enableSubscriptionCount"}, // qsoketi extension
    {"DEFAULT_APP_ALLOWED_ORIGINS", "allowedOrigins"}, // qsoketi extension
};

} // namespace

std::span<const AppFields::Field> AppFields::all()
{
    return kAppFields;
}

const AppFields::Field *AppFields::find(const QString &name)
{
    for (const Field &field : kAppFields) {
        if (name == QLatin1String(field.name) || (field.snake && name == QLatin1String(field.snake))
            || name == QLatin1String(field.pascal)) {
            return &field;
        }
    }
    return nullptr;
}

QString AppFields::fieldForDefaultAppVariable(const QString &name)
{
    for (const DefaultAppVariable &variable : kDefaultAppVariables) {
        if (name == QLatin1String(variable.env)) {
            return QLatin1String(variable.field);
        }
    }
    return {};
}

} // namespace qsoketi
