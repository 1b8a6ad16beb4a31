// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QJsonValue>
#include <QString>

namespace qsoketi {

// Where one value came from. Every message starts with label() so the user knows what to edit.
struct ConfigSource
{
    enum class Kind
    {
        BuiltIn,
        ConfigFile,
        DotEnv,
        Environment
    };
    Kind kind = Kind::BuiltIn;
    QString key; // dotted config-file key, or the environment variable name
    QString file; // config file or .env path (as given by the user)
    QString label() const;
};

// One value as read. Environment values keep their text because JSON parsing turns long numeric ids or
// secrets into doubles and would round them.
struct ConfigValue
{
    QJsonValue json;
    QString text;
    bool hasText = false;
    // soketi's rule: try JSON first (1 → number, true → bool, [..] → array), else keep the text.
    static ConfigValue fromText(const QString &text);
    static ConfigValue fromJson(const QJsonValue &json);
};

} // namespace qsoketi
