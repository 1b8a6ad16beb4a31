// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHash>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QString>
#include <QStringList>

#include "apps/App.h"
#include "config/ConfigResult.h"
#include "config/ConfigSource.h"

namespace qsoketi {

// Applies config-file keys and environment variables, in precedence order, onto soketi's defaults and
// validates the result. ConfigLoader reads the sources; this class routes each value to the option tables
// (ServerOptions, UnsupportedOptions, AppFields) that know every option.
class ConfigBuilder final
{
public:
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

    ServerConfig m_config;
    // Every app starts as a copy of this one: App's own defaults (declared once, in App.h) with the
    // server-wide limits (channelLimits.*, eventLimits.*, presence.*, spec §3) applied on top. Only those
    // options write to it; an app's own fields then override them.
    App m_appDefaults;
    QList<RawApp> m_apps;
    bool m_appsRejected = false; // an app entry was unusable (already reported): "no apps" would repeat it
    QHash<QString, ConfigSource> m_sources; // option path → last source that set it
    QStringList m_errors;
    QStringList m_warnings;
};

} // namespace qsoketi
