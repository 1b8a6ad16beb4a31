// SPDX-License-Identifier: GPL-3.0-or-later
#include "config/ConfigBuilder.h"

#include <algorithm>

#include <QJsonArray>
#include <QRegularExpression>
#include <QSet>

#include "config/AppFields.h"
#include "config/OptionCombinations.h"
#include "config/ServerOptions.h"
#include "config/UnsupportedOptions.h"
#include "config/ValueReader.h"

namespace qsoketi {

namespace {

const QLatin1String kEnvPrefix("SOKETI_");
const QLatin1String kAppsPath("appManager.array.apps");

// Option path for a SOKETI_ name without its prefix; empty when neither soketi nor qsoketi has it.
QString pathForVariable(const QString &name)
{
    if (const ServerOptions::Option *option = ServerOptions::findByVariable(name)) {
        return QLatin1String(option->path);
    }
    if (const UnsupportedOptions::Option *entry = UnsupportedOptions::findByVariable(name)) {
        return QLatin1String(entry->path);
    }
    const QString field = AppFields::fieldForDefaultAppVariable(name);
    return field.isEmpty() ? QString() : kAppsPath + QStringLiteral(".0.") + field;
}

// Parents of every option path ("metrics", "metrics.prometheus", …): a config-file key naming one of them
// may hold an object of sub-options.
const QSet<QString> &parentPaths()
{
    static const QSet<QString> parents = [] {
        QStringList paths;
        for (const ServerOptions::Option &option : ServerOptions::all()) {
            paths.append(QLatin1String(option.path));
        }
        for (const UnsupportedOptions::Option &entry : UnsupportedOptions::all()) {
            paths.append(QLatin1String(entry.path));
        }
        paths.append(kAppsPath);
        QSet<QString> result;
        for (const QString &path : std::as_const(paths)) {
            for (qsizetype dot = path.indexOf(u'.'); dot > 0; dot = path.indexOf(u'.', dot + 1)) {
                result.insert(path.left(dot));
            }
        }
        return result;
    }();
    return parents;
}

// Dotted keys in a useful order: parents before children, numeric segments by value (apps.2 < apps.10).
// QJsonObject has already lost the file's order, so this order is what makes results deterministic.
bool naturalLess(const QString &a, const QString &b)
{
    const QStringList pa = a.split(u'.');
    const QStringList pb = b.split(u'.');
    for (qsizetype i = 0; i < std::min(pa.size(), pb.size()); ++i) {
        if (pa.at(i) == pb.at(i)) {
            continue;
        }
        bool na = false;
        bool nb = false;
        const qlonglong x = pa.at(i).toLongLong(&na);
        const qlonglong y = pb.at(i).toLongLong(&nb);
        if (na && nb) {
            return x < y;
        }
        return pa.at(i) < pb.at(i);
    }
    return pa.size() < pb.size();
}

QStringList sortedKeys(const QJsonObject &object)
{
    QStringList keys = object.keys();
    std::sort(keys.begin(), keys.end(), naturalLess);
    return keys;
}

bool isUnset(const ConfigValue &value)
{
    return value.json.isNull() || value.json.isUndefined()
        || (value.json.isString() && value.json.toString().isEmpty());
}

QString unknownKey(const QString &path, const QString &file)
{
    return QStringLiteral("unknown key \"%1\" in %2").arg(path, file);
}

} // namespace

ConfigBuilder::ConfigBuilder()
{
    m_config.workers = 0; // unless SOKETI_WORKERS says otherwise: one event loop per core
    // soketi's default app (appManager.array.apps.0); its other fields fall back to App's defaults.
    RawApp app;
    app.origin = ConfigSource{ConfigSource::Kind::BuiltIn, kAppsPath + QStringLiteral(".0"), {}};
    const App defaults;
    const ConfigSource builtIn{ConfigSource::Kind::BuiltIn, {}, {}};
    app.fields.insert(QStringLiteral("id"), RawField{ConfigValue::fromJson(defaults.id), builtIn});
    app.fields.insert(QStringLiteral("key"), RawField{ConfigValue::fromJson(defaults.key), builtIn});
    app.fields.insert(QStringLiteral("secret"), RawField{ConfigValue::fromJson(defaults.secret), builtIn});
    m_apps.append(app);
}

bool ConfigBuilder::isKnownEnvironmentVariable(const QString &name)
{
    return name.startsWith(kEnvPrefix) && !pathForVariable(name.mid(kEnvPrefix.size())).isEmpty();
}

void ConfigBuilder::applyConfigFile(const QJsonObject &root, const QString &fileLabel)
{
    for (const QString &key : sortedKeys(root)) {
        applyFileValue(key, root.value(key), fileLabel);
    }
}

void ConfigBuilder::applyFileValue(const QString &path, const QJsonValue &value, const QString &fileLabel)
{
    const ConfigSource source{ConfigSource::Kind::ConfigFile, path, fileLabel};
    if (route(path, ConfigValue::fromJson(value), source)) {
        return;
    }
    if (parentPaths().contains(path)) {
        if (!value.isObject()) {
            m_errors.append(source.label()
                + QStringLiteral(": expected an object of options, got %1")
                      .arg(ValueReader::describe(ConfigValue::fromJson(value), true)));
            return;
        }
        const QJsonObject object = value.toObject();
        for (const QString &key : sortedKeys(object)) {
            applyFileValue(path + u'.' + key, object.value(key), fileLabel);
        }
        return;
    }
    m_errors.append(unknownKey(path, fileLabel));
}

void ConfigBuilder::applyEnvironmentVariable(const QString &name, const QString &text, const ConfigSource &source)
{
    if (text.isEmpty() || !name.startsWith(kEnvPrefix)) {
        return; // soketi: an empty variable is not set
    }
    const QString path = pathForVariable(name.mid(kEnvPrefix.size()));
    if (path.isEmpty()) {
        // Kubernetes (and Docker links) inject these for a Service/container named "soketi".
        static const QRegularExpression serviceLink(QStringLiteral(
            "^SOKETI_(SERVICE_HOST|SERVICE_PORT(_\\w+)?|PORT_\\d+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)$"));
        if (serviceLink.match(name).hasMatch()) {
            m_warnings.append(source.label()
                + QStringLiteral(": looks like a Kubernetes/Docker service-link variable, not a setting; ignored"));
            return;
        }
        m_errors.append(source.label()
            + QStringLiteral(": unknown setting; neither soketi nor qsoketi has this variable (a typo?)"));
        return;
    }
    route(path, ConfigValue::fromText(text), source);
}

bool ConfigBuilder::route(const QString &path, const ConfigValue &value, const ConfigSource &source)
{
    if (path == kAppsPath || path.startsWith(kAppsPath + u'.')) {
        return routeApp(path, value, source);
    }
    if (const ServerOptions::Option *option = ServerOptions::find(path)) {
        if (value.json.isNull() || value.json.isUndefined()) {
            return true; // null = not set (soketi's null defaults)
        }
        const ValueReader reader(value, source, option->secret, m_errors, m_warnings);
        option->apply(reader, m_config, m_appDefaults);
        m_sources.insert(path, source);
        return true;
    }
    if (const UnsupportedOptions::Option *entry = UnsupportedOptions::find(path)) {
        const QString warning = UnsupportedOptions::warning(*entry, value, source);
        if (!warning.isEmpty()) {
            m_warnings.append(warning);
        }
        return true;
    }
    return false;
}

bool ConfigBuilder::routeApp(const QString &path, const ConfigValue &value, const ConfigSource &source)
{
    static const QRegularExpression appPath(QStringLiteral("^appManager\\.array\\.apps(?:\\.(\\d+)(?:\\.([^.]+))?)?$"));
    const QRegularExpressionMatch match = appPath.match(path);
    if (!match.hasMatch()) {
        return false;
    }
    if (match.captured(1).isEmpty()) {
        setApps(value, source);
        return true;
    }
    bool indexOk = false;
    const int index = match.captured(1).toInt(&indexOk);
    if (!indexOk) {
        return false;
    }
    const QString fieldName = match.captured(2);
    const AppFields::Field *field = fieldName.isEmpty() ? nullptr : AppFields::find(fieldName);
    if (!fieldName.isEmpty() && !field) {
        return false; // unknown app field → unknown key
    }
    if (index > m_apps.size()) {
        m_errors.append(source.label()
            + QStringLiteral(": app %1 would leave a gap; apps are numbered 0, 1, 2… and there are %2")
                  .arg(index)
                  .arg(m_apps.size()));
        return true;
    }
    if (!field) {
        bool ok = false;
        RawApp app = readApp(kAppsPath + u'.' + QString::number(index), value.json, source, &ok);
        if (ok) {
            if (index == m_apps.size()) {
                m_apps.append(app);
            } else {
                m_apps[index] = app;
            }
        }
        return true;
    }
    setAppField(index, QLatin1String(field->name), value, source);
    return true;
}

void ConfigBuilder::setApps(const ConfigValue &value, const ConfigSource &source)
{
    if (!value.json.isArray()) {
        m_errors.append(source.label()
            + QStringLiteral(": expected an array of app objects, got %1").arg(ValueReader::describe(value, true)));
        return;
    }
    const QJsonArray array = value.json.toArray();
    QList<RawApp> apps;
    for (qsizetype i = 0; i < array.size(); ++i) {
        const QString path = kAppsPath + u'.' + QString::number(i);
        const ConfigSource elementSource{source.kind, path, source.file};
        bool ok = false;
        RawApp app = readApp(path, array.at(i), elementSource, &ok);
        if (ok) {
            apps.append(app);
        } else {
            m_appsRejected = true;
        }
    }
    m_apps = apps;
    m_sources.insert(kAppsPath, source);
}

ConfigBuilder::RawApp ConfigBuilder::readApp(
    const QString &path, const QJsonValue &value, const ConfigSource &source, bool *ok)
{
    RawApp app;
    app.origin = ConfigSource{source.kind, path, source.file};
    *ok = false;
    if (!value.isObject()) {
        m_errors.append(app.origin.label()
            + QStringLiteral(": expected an app object, got %1")
                  .arg(ValueReader::describe(ConfigValue::fromJson(value), true)));
        return app;
    }
    const QJsonObject object = value.toObject();
    for (const QString &key : sortedKeys(object)) {
        const AppFields::Field *field = AppFields::find(key);
        if (!field) {
            m_errors.append(unknownKey(path + u'.' + key, source.file));
            continue;
        }
        app.fields.insert(QLatin1String(field->name),
            RawField{
                ConfigValue::fromJson(object.value(key)), ConfigSource{source.kind, path + u'.' + key, source.file}});
    }
    *ok = true; // unknown keys are reported, the rest of the app still counts
    return app;
}

void ConfigBuilder::setAppField(int index, const QString &field, const ConfigValue &value, const ConfigSource &source)
{
    if (index == m_apps.size()) {
        RawApp app;
        app.origin = source.kind == ConfigSource::Kind::ConfigFile
            ? ConfigSource{source.kind, kAppsPath + u'.' + QString::number(index), source.file}
            : source;
        m_apps.append(app);
    }
    m_apps[index].fields.insert(field, RawField{value, source});
}

bool ConfigBuilder::resolveApp(const RawApp &raw, App *app)
{
    App resolved = m_appDefaults; // App's defaults plus the server-wide limits
    resolved.id.clear();
    resolved.key.clear();
    resolved.secret.clear();

    bool ok = true;
    for (const AppFields::Field &field : AppFields::all()) {
        const auto it = raw.fields.constFind(QLatin1String(field.name));
        if (it == raw.fields.constEnd() || isUnset(it->value)) {
            continue; // spec §3: null or "" falls back to the default
        }
        const ValueReader reader(it->value, it->source, field.secret, m_errors, m_warnings);
        ok = field.apply(reader, resolved) && ok;
    }
    const QString who =
        resolved.id.isEmpty() ? QStringLiteral("the app") : QStringLiteral("app \"%1\"").arg(resolved.id);
    const std::pair<const char *, const QString *> required[] = {
        {"id", &resolved.id}, {"key", &resolved.key}, {"secret", &resolved.secret}};
    for (const auto &[name, value] : required) {
        if (value->isEmpty()) {
            m_errors.append(raw.origin.label() + QStringLiteral(": %1 has no %2").arg(who, QLatin1String(name)));
            ok = false;
        }
    }
    *app = resolved;
    return ok;
}

ConfigResult ConfigBuilder::finish()
{
    m_config.appStore.defaults = m_appDefaults;
    if (m_config.appStore.driver != AppStoreConfig::Driver::Array) {
        // The apps come from the database: the array apps, the default app included, are never served.
        for (const RawApp &raw : std::as_const(m_apps)) {
            for (const AppFields::Field &known : AppFields::all()) { // a fixed order: the first set field is named
                const auto field = raw.fields.constFind(QLatin1String(known.name));
                if (field != raw.fields.constEnd() && field->source.kind != ConfigSource::Kind::BuiltIn) {
                    m_warnings.append(field->source.label()
                        + QStringLiteral(": ignored, SOKETI_APP_MANAGER_DRIVER=%1 reads the apps from the database")
                              .arg(AppStoreConfig::driverName(m_config.appStore.driver)));
                    break;
                }
            }
        }
        m_config.apps.clear();
        m_config.appStore.arrayApps.clear();
        OptionCombinations::check(m_config, m_sources, m_errors, m_warnings);
        return ConfigResult{m_config, m_errors, m_warnings};
    }
    QList<App> apps;
    QList<const RawApp *> origins;
    for (const RawApp &raw : std::as_const(m_apps)) {
        App app;
        if (resolveApp(raw, &app)) {
            apps.append(app);
            origins.append(&raw);
        }
    }
    if (m_apps.isEmpty() && !m_appsRejected) {
        const auto it = m_sources.constFind(kAppsPath);
        m_errors.append((it == m_sources.constEnd() ? QString(kAppsPath) : it->label())
            + QStringLiteral(": no apps are defined; at least one is needed"));
    }
    // Apps are found by id (HTTP API) and by key (WebSocket): both must be unique.
    for (qsizetype i = 0; i < apps.size(); ++i) {
        for (qsizetype j = 0; j < i; ++j) {
            if (apps.at(i).id == apps.at(j).id) {
                m_errors.append(origins.at(i)->origin.label()
                    + QStringLiteral(": duplicate app id \"%1\" (also used by %2)")
                          .arg(apps.at(i).id, origins.at(j)->origin.label()));
                break;
            }
            if (apps.at(i).key == apps.at(j).key) {
                m_errors.append(origins.at(i)->origin.label()
                    + QStringLiteral(": duplicate app key \"%1\" (also used by %2)")
                          .arg(apps.at(i).key, origins.at(j)->origin.label()));
                break;
            }
        }
    }
    m_config.apps = apps;
    m_config.appStore.arrayApps = apps;
    OptionCombinations::check(m_config, m_sources, m_errors, m_warnings);
    // Only for a config that starts a server: a rejected one is reported by its errors alone (one line for
    // SOKETI_APP_MANAGER_DRIVER=dynamodb, not a remark about the default app that would never be served).
    for (const App &app : std::as_const(apps)) {
        if (app.secret == App{}.secret && m_errors.isEmpty()) {
            m_warnings.append(QStringLiteral("app \"%1\" uses soketi's well-known default secret; set "
                                             "SOKETI_DEFAULT_APP_SECRET or the app's \"secret\" before exposing "
                                             "the server")
                                  .arg(app.id));
        }
    }
    return ConfigResult{m_config, m_errors, m_warnings};
}

} // namespace qsoketi
