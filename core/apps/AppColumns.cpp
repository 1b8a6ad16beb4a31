// SPDX-License-Identifier: GPL-3.0-or-later
#include "apps/AppColumns.h"

#include <array>
#include <climits>
#include <cmath>

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSqlRecord>
#include <QUrl>

#include "auth/OriginAllowList.h"

namespace qsoketi {

namespace {

using Type = AppColumns::Type;
using Field = AppColumns::Field;

// clang-format off
#define QSOKETI_APP_GET(member) [](const App &a) { return QVariant::fromValue(a.member); }
#define QSOKETI_APP_SET(member, conversion) [](App &a, const QVariant &v) { a.member = v.conversion; }
// clang-format on

const std::array kFields{
    Field{"id", "id", Type::String, false, false, false, QSOKETI_APP_GET(id), QSOKETI_APP_SET(id, toString())},
    Field{"key", "key", Type::String, false, false, false, QSOKETI_APP_GET(key), QSOKETI_APP_SET(key, toString())},
    Field{"secret", "secret", Type::String, false, false, true, QSOKETI_APP_GET(secret),
        QSOKETI_APP_SET(secret, toString())},
    Field{"maxConnections", "max_connections", Type::Int, false, false, false, QSOKETI_APP_GET(maxConnections),
        QSOKETI_APP_SET(maxConnections, toInt())},
    Field{"enableClientMessages", "enable_client_messages", Type::Bool, false, false, false,
        QSOKETI_APP_GET(enableClientMessages), QSOKETI_APP_SET(enableClientMessages, toBool())},
    Field{"enabled", "enabled", Type::Bool, false, false, false, QSOKETI_APP_GET(enabled),
        QSOKETI_APP_SET(enabled, toBool())},
    Field{"maxBackendEventsPerSecond", "max_backend_events_per_sec", Type::Int, false, false, false,
        QSOKETI_APP_GET(maxBackendEventsPerSecond), QSOKETI_APP_SET(maxBackendEventsPerSecond, toInt())},
    Field{"maxClientEventsPerSecond", "max_client_events_per_sec", Type::Int, false, false, false,
        QSOKETI_APP_GET(maxClientEventsPerSecond), QSOKETI_APP_SET(maxClientEventsPerSecond, toInt())},
    Field{"maxReadRequestsPerSecond", "max_read_req_per_sec", Type::Int, false, false, false,
        QSOKETI_APP_GET(maxReadRequestsPerSecond), QSOKETI_APP_SET(maxReadRequestsPerSecond, toInt())},
    Field{"webhooks", "webhooks", Type::Json, false, false, true, QSOKETI_APP_GET(webhooks),
        QSOKETI_APP_SET(webhooks, toJsonArray())},
    Field{"maxPresenceMembersPerChannel", "max_presence_members_per_channel", Type::Int, true, false, false,
        QSOKETI_APP_GET(maxPresenceMembersPerChannel), QSOKETI_APP_SET(maxPresenceMembersPerChannel, toInt())},
    Field{"maxPresenceMemberSizeInKb", "max_presence_member_size_in_kb", Type::Double, true, false, false,
        QSOKETI_APP_GET(maxPresenceMemberSizeInKb), QSOKETI_APP_SET(maxPresenceMemberSizeInKb, toDouble())},
    Field{"maxChannelNameLength", "max_channel_name_length", Type::Int, true, false, false,
        QSOKETI_APP_GET(maxChannelNameLength), QSOKETI_APP_SET(maxChannelNameLength, toInt())},
    Field{"maxEventChannelsAtOnce", "max_event_channels_at_once", Type::Int, true, false, false,
        QSOKETI_APP_GET(maxEventChannelsAtOnce), QSOKETI_APP_SET(maxEventChannelsAtOnce, toInt())},
    Field{"maxEventNameLength", "max_event_name_length", Type::Int, true, false, false,
        QSOKETI_APP_GET(maxEventNameLength), QSOKETI_APP_SET(maxEventNameLength, toInt())},
    Field{"maxEventPayloadInKb", "max_event_payload_in_kb", Type::Double, true, false, false,
        QSOKETI_APP_GET(maxEventPayloadInKb), QSOKETI_APP_SET(maxEventPayloadInKb, toDouble())},
    Field{"maxEventBatchSize", "max_event_batch_size", Type::Int, true, false, false,
        QSOKETI_APP_GET(maxEventBatchSize), QSOKETI_APP_SET(maxEventBatchSize, toInt())},
    Field{"enableUserAuthentication", "enable_user_authentication", Type::Bool, false, false, false,
        QSOKETI_APP_GET(enableUserAuthentication), QSOKETI_APP_SET(enableUserAuthentication, toBool())},
    Field{"enableSubscriptionCount", "enable_subscription_count", Type::Bool, false, true, false,
        QSOKETI_APP_GET(enableSubscriptionCount), QSOKETI_APP_SET(enableSubscriptionCount, toBool())},
    Field{"previousSecret", "previous_secret", Type::String, false, true, true, QSOKETI_APP_GET(previousSecret),
        QSOKETI_APP_SET(previousSecret, toString())},
    Field{"previousSecretValidUntil", "previous_secret_valid_until", Type::Int64, false, true, false,
        QSOKETI_APP_GET(previousSecretValidUntilMs), QSOKETI_APP_SET(previousSecretValidUntilMs, toLongLong())},
    // Text in SQL ("https://a.com,https://*.b.com"; a JSON array is read too); a table without the column
    // allows every origin.
    Field{"allowedOrigins", "allowed_origins", Type::String, false, true, false,
        [](const App &a) { return QVariant(OriginAllowList::join(a.allowedOrigins)); },
        [](App &a, const QVariant &v) { a.allowedOrigins = OriginAllowList::parse(v.toString()); }},
};

#undef QSOKETI_APP_GET
#undef QSOKETI_APP_SET

bool isCredential(const Field &field)
{
    return field.type == Type::String && !field.extension;
}

// Drivers hand back booleans as bool (PostgreSQL boolean), integers (tinyint/smallint) or text.
bool toBoolean(const QVariant &value, bool *ok)
{
    *ok = true;
    if (value.typeId() == QMetaType::Bool) {
        return value.toBool();
    }
    const QString text = value.toString().trimmed().toLower();
    if (text == QLatin1String("true") || text == QLatin1String("t")) {
        return true;
    }
    if (text == QLatin1String("false") || text == QLatin1String("f")) {
        return false;
    }
    const double number = text.toDouble(ok);
    return *ok && number != 0;
}

// Reading keeps soketi's leniency: a value the server cannot use falls back to the default instead of
// hiding the whole app.
bool readColumn(const Field &field, const QVariant &raw, App &app)
{
    bool ok = true;
    switch (field.type) {
    case Type::String:
        field.set(app, raw.toString());
        return true;
    case Type::Bool: {
        const bool value = toBoolean(raw, &ok);
        if (ok) {
            field.set(app, value);
        }
        return ok;
    }
    case Type::Int: {
        const double number = raw.toString().trimmed().toDouble(&ok);
        if (!ok || !std::isfinite(number) || number > INT_MAX || number < INT_MIN) {
            return false;
        }
        int value = int(number);
        if (field.serverDefault && value < 1) {
            return false; // soketi would refuse every request; the server default is what was meant
        }
        if (!field.serverDefault && value < 0) {
            value = -1;
        }
        if (qstrcmp(field.column, "max_connections") == 0 && value == 0) {
            value = -1; // spec §3: 0 = unlimited
        }
        field.set(app, value);
        return true;
    }
    case Type::Int64: {
        const qlonglong value = raw.toString().trimmed().toLongLong(&ok);
        if (ok) {
            field.set(app, value);
        }
        return ok;
    }
    case Type::Double: {
        const double value = raw.toString().trimmed().toDouble(&ok);
        if (!ok || !std::isfinite(value) || value <= 0) {
            return false;
        }
        field.set(app, value);
        return true;
    }
    case Type::Json: {
        // soketi: an array, or a JSON string holding one; anything else is no webhooks.
        const QJsonDocument doc = QJsonDocument::fromJson(raw.toString().toUtf8());
        field.set(app, doc.isArray() ? doc.array() : QJsonArray());
        return true;
    }
    }
    return false;
}

bool validateWebhooks(const QJsonValue &value, QVariant *out, QString *error)
{
    QJsonArray hooks;
    if (value.isArray()) {
        hooks = value.toArray();
    } else if (value.isString()) {
        const QJsonDocument doc = QJsonDocument::fromJson(value.toString().toUtf8());
        if (!doc.isArray()) {
            *error = QStringLiteral("webhooks must be a JSON array");
            return false;
        }
        hooks = doc.array();
    } else {
        *error = QStringLiteral("webhooks must be a JSON array");
        return false;
    }
    // Webhook URLs and headers may hold credentials: messages name the entry, never its values.
    for (qsizetype i = 0; i < hooks.size(); ++i) {
        const QJsonObject hook = hooks.at(i).toObject();
        const QUrl url(hook.value(QLatin1String("url")).toString(), QUrl::StrictMode);
        const bool http = url.isValid() && !url.host().isEmpty()
            && (url.scheme() == QLatin1String("http") || url.scheme() == QLatin1String("https"));
        if (!hooks.at(i).isObject() || (!http && !hook.value(QLatin1String("lambda_function")).isString())) {
            *error = QStringLiteral("webhook %1 needs an http(s) url").arg(i);
            return false;
        }
        if (!hook.value(QLatin1String("event_types")).isArray()) {
            *error = QStringLiteral("webhook %1 needs an event_types array").arg(i);
            return false;
        }
    }
    *out = QString::fromUtf8(QJsonDocument(hooks).toJson(QJsonDocument::Compact));
    return true;
}

bool validateOrigins(const QJsonValue &value, QVariant *out, QString *error)
{
    QStringList origins;
    if (value.isArray()) {
        for (const QJsonValue &entry : value.toArray()) {
            origins += OriginAllowList::parse(entry.toString());
        }
    } else if (value.isString()) {
        origins = OriginAllowList::parse(value.toString());
    } else {
        *error = QStringLiteral("allowedOrigins must be a list of origins (\"https://a.com,https://*.b.com\")");
        return false;
    }
    for (const QString &origin : std::as_const(origins)) {
        if (const QString problem = OriginAllowList::checkEntry(origin); !problem.isEmpty()) {
            *error = QStringLiteral("allowedOrigins: ") + problem;
            return false;
        }
    }
    // Empty = every origin: stored as NULL, as a table without the column reads.
    *out = origins.isEmpty() ? QVariant() : QVariant(OriginAllowList::join(origins));
    return true;
}

// Webhook URLs and headers can carry tokens: without the secrets, show where they go and nothing more.
QJsonArray redactedWebhooks(const QJsonArray &hooks)
{
    QJsonArray redacted;
    for (const QJsonValue &value : hooks) {
        QJsonObject hook = value.toObject();
        const QUrl url(hook.value(QLatin1String("url")).toString());
        if (url.isValid() && !url.isEmpty()) {
            hook.insert(QLatin1String("url"), url.adjusted(QUrl::RemoveUserInfo | QUrl::RemoveQuery).toString());
        }
        QJsonObject headers = hook.value(QLatin1String("headers")).toObject();
        for (auto it = headers.begin(); it != headers.end(); ++it) {
            it.value() = QStringLiteral("<hidden>");
        }
        if (hook.contains(QLatin1String("headers"))) {
            hook.insert(QLatin1String("headers"), headers);
        }
        redacted.append(hook);
    }
    return redacted;
}

} // namespace

std::span<const Field> AppColumns::all()
{
    return kFields;
}

const Field *AppColumns::find(const QString &name)
{
    for (const Field &field : kFields) {
        if (name == QLatin1String(field.name) || name == QLatin1String(field.column)) {
            return &field;
        }
    }
    return nullptr;
}

App AppColumns::fromRecord(const QSqlRecord &record, const App &defaults)
{
    App app = defaults;
    for (const Field &field : kFields) {
        const int index = record.indexOf(QLatin1String(field.column));
        if (index < 0) {
            continue;
        }
        QVariant raw = record.value(index);
        const int type = raw.typeId();
        if (!raw.isNull() && (type == QMetaType::Char || type == QMetaType::SChar || type == QMetaType::UChar)) {
            raw = raw.toInt(); // a tinyint may arrive as a char: 0 would read as the text "\0"
        }
        if (raw.isNull() || raw.toString().isEmpty()) {
            continue; // spec §3: NULL or '' = the server default
        }
        readColumn(field, raw, app);
    }
    return app;
}

QJsonObject AppColumns::toJson(const App &app, bool withSecrets)
{
    QJsonObject object;
    for (const Field &field : kFields) {
        if (field.secret && !withSecrets && field.type == Type::String) {
            continue;
        }
        if (field.type == Type::Json) {
            object.insert(QLatin1String(field.name), withSecrets ? app.webhooks : redactedWebhooks(app.webhooks));
            continue;
        }
        object.insert(QLatin1String(field.name), QJsonValue::fromVariant(field.get(app)));
    }
    return object;
}

bool AppColumns::same(const App &a, const App &b)
{
    return toJson(a, true) == toJson(b, true);
}

bool AppColumns::validate(const Field &field, const QJsonValue &value, QVariant *out, QString *error)
{
    const QString name = QLatin1String(field.name);
    const bool reset =
        value.isNull() || value.isUndefined() || (value.isString() && value.toString() == QLatin1String("default"));
    if (reset) {
        if (isCredential(field)) {
            *error = QStringLiteral("%1 cannot be empty").arg(name);
            return false;
        }
        *out = QVariant();
        return true;
    }
    bool ok = true;
    switch (field.type) {
    case Type::String: {
        if (qstrcmp(field.column, "allowed_origins") == 0) {
            return validateOrigins(value, out, error);
        }
        const QString text = value.toString();
        // Ids and keys travel in URL paths (/app/<key>, /apps/<id>/...): keep them plain.
        static const QRegularExpression plain(QStringLiteral("^[A-Za-z0-9._~-]{1,255}$"));
        static const QRegularExpression printable(QStringLiteral("^[\\x21-\\x7e]{1,255}$"));
        const bool secret = field.secret;
        if (!value.isString() || !(secret ? printable : plain).match(text).hasMatch()) {
            *error = secret ? QStringLiteral("%1 must be 1-255 printable ASCII characters without spaces").arg(name)
                            : QStringLiteral("%1 must be 1-255 characters of A-Z a-z 0-9 . _ ~ -").arg(name);
            return false;
        }
        *out = text;
        return true;
    }
    case Type::Bool: {
        const bool flag = value.isBool() ? value.toBool() : toBoolean(value.toVariant(), &ok);
        if (!ok || !(value.isBool() || value.isString() || value.isDouble())) {
            *error = QStringLiteral("%1 must be true or false").arg(name);
            return false;
        }
        *out = flag;
        return true;
    }
    case Type::Int:
    case Type::Int64:
    case Type::Double: {
        const double number = value.isDouble() ? value.toDouble() : value.toString().trimmed().toDouble(&ok);
        const bool integral = field.type != Type::Double;
        if (!ok || !std::isfinite(number) || (integral && number != std::floor(number))
            || (field.type == Type::Int && (number > INT_MAX || number < INT_MIN))) {
            *error = QStringLiteral("%1 must be %2")
                         .arg(name, integral ? QStringLiteral("an integer") : QStringLiteral("a number"));
            return false;
        }
        if (field.serverDefault && number <= 0) {
            *error = QStringLiteral("%1 must be greater than 0 (or \"default\" for the server default)").arg(name);
            return false;
        }
        if (field.type == Type::Double) {
            *out = number;
        } else if (field.type == Type::Int64) {
            *out = qlonglong(number);
        } else {
            *out = number < 0 ? -1 : int(number); // -1 = unlimited (connections, rates)
        }
        return true;
    }
    case Type::Json:
        return validateWebhooks(value, out, error);
    }
    return false;
}

QVariant AppColumns::defaultValue(const Field &field, const App &defaults)
{
    if (field.type == Type::Json) {
        return QStringLiteral("[]");
    }
    return field.get(field.serverDefault ? defaults : App{});
}

} // namespace qsoketi
