// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHash>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QSet>
#include <QString>
#include <QStringList>

#include "config/ConfigResult.h"

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

// Applies config-file keys and environment variables, in precedence order, onto soketi's defaults and
// validates the result. ConfigLoader reads the sources; this class knows every option.
class ConfigBuilder final
{
public:
    // Server-wide limits: the values of apps that do not set their own (spec §3).
    struct ServerWideLimits
    {
        int maxChannelNameLength = 200;
        int maxEventChannelsAtOnce = 100;
        int maxEventNameLength = 200;
        double maxEventPayloadInKb = 100;
        int maxEventBatchSize = 10;
        int maxPresenceMembersPerChannel = 100;
        double maxPresenceMemberSizeInKb = 2;
    };

    ConfigBuilder();

    void applyConfigFile(const QJsonObject &root, const QString &fileLabel);
    // name is the full SOKETI_* name; an empty text means "not set" and is skipped.
    void applyEnvironmentVariable(const QString &name, const QString &text, const ConfigSource &source);
    void addError(const QString &message) { m_errors.append(message); }
    void addWarning(const QString &message) { m_warnings.append(message); }
    ConfigResult finish();

    // Every SOKETI_* name qsoketi reads or recognises as soketi's (used to spot typos).
    static bool isKnownEnvironmentVariable(const QString &name);

private:
    struct RawField
    {
        ConfigValue value;
        ConfigSource source;
    };
    // An app as written, field names already mapped to camelCase; converted once every source is applied
    // so that server-wide limits set later (e.g. by env) still reach apps defined in the config file.
    struct RawApp
    {
        QHash<QString, RawField> fields;
        ConfigSource origin;
    };

    void applyFileValue(const QString &path, const QJsonValue &value, const QString &fileLabel);
    // Returns false when the path is not an option (neither qsoketi's nor soketi's).
    bool route(const QString &path, const ConfigValue &value, const ConfigSource &source);
    bool routeApp(const QString &path, const ConfigValue &value, const ConfigSource &source);
    void setApps(const ConfigValue &value, const ConfigSource &source);
    RawApp readApp(const QString &path, const QJsonValue &value, const ConfigSource &source, bool *ok);
    void setAppField(int index, const QString &field, const ConfigValue &value, const ConfigSource &source);
    bool resolveApp(const RawApp &raw, App *app);
    void checkCombinations();

    ServerConfig m_config;
    ServerWideLimits m_limits;
    QList<RawApp> m_apps;
    bool m_appsRejected = false; // an app entry was unusable (already reported): "no apps" would repeat it
    QHash<QString, ConfigSource> m_sources; // option path → last source that set it
    QStringList m_errors;
    QStringList m_warnings;
};

} // namespace qsoketi
