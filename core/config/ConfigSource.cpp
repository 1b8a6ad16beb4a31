// SPDX-License-Identifier: GPL-3.0-or-later
#include "config/ConfigSource.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

namespace qsoketi {

QString ConfigSource::label() const
{
    switch (kind) {
    case Kind::ConfigFile:
        return QStringLiteral("\"%1\" in %2").arg(key, file);
    case Kind::DotEnv:
        return QStringLiteral("%1 (from %2)").arg(key, file);
    case Kind::Environment:
        return key;
    case Kind::BuiltIn:
        break;
    }
    return key.isEmpty() ? QStringLiteral("built-in default")
                         : QStringLiteral("the default app (%1, SOKETI_DEFAULT_APP_*)").arg(key);
}

ConfigValue ConfigValue::fromText(const QString &text)
{
    ConfigValue value;
    value.text = text;
    value.hasText = true;
    // QJsonDocument only parses arrays and objects, so scalars are parsed as the single element of an array.
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray("[") + text.toUtf8() + QByteArray("]"), &error);
    if (error.error == QJsonParseError::NoError && doc.isArray() && doc.array().size() == 1) {
        value.json = doc.array().at(0);
    } else {
        value.json = text;
    }
    return value;
}

ConfigValue ConfigValue::fromJson(const QJsonValue &json)
{
    ConfigValue value;
    value.json = json;
    return value;
}

} // namespace qsoketi
