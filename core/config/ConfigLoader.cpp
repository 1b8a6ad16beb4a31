// SPDX-License-Identifier: GPL-3.0-or-later
#include "config/ConfigLoader.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QMap>

#include "config/ConfigBuilder.h"
#include "config/DotEnvFile.h"

namespace qsoketi {

namespace {

void applyConfigFile(ConfigBuilder &builder, const QString &configFile)
{
    QFile file(configFile);
    if (!file.open(QIODevice::ReadOnly)) {
        builder.addError(QStringLiteral("%1: cannot read the config file (%2)").arg(configFile, file.errorString()));
        return;
    }
    const QByteArray content = file.readAll();
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(content, &error);
    if (error.error != QJsonParseError::NoError) {
        // soketi logs and ignores a broken file; starting with half the intended settings is worse.
        const QByteArray before = content.left(error.offset);
        const qsizetype line = before.count('\n') + 1;
        const qsizetype column = error.offset - (before.lastIndexOf('\n') + 1) + 1;
        builder.addError(QStringLiteral("%1: invalid JSON at offset %2 (line %3, column %4): %5")
                             .arg(configFile)
                             .arg(error.offset)
                             .arg(line)
                             .arg(column)
                             .arg(error.errorString()));
        return;
    }
    if (!doc.isObject()) {
        builder.addError(QStringLiteral("%1: expected a JSON object of options at the top level").arg(configFile));
        return;
    }
    builder.applyConfigFile(doc.object(), configFile);
}

} // namespace

ConfigResult ConfigLoader::load(const QString &configFile, const QProcessEnvironment &env, const QString &dotEnvDir)
{
    ConfigBuilder builder;
    if (!configFile.isEmpty()) {
        applyConfigFile(builder, configFile);
    }

    const QLatin1String prefix("SOKETI_");
    QMap<QString, std::pair<QString, ConfigSource>> variables; // sorted by name: a stable order
    if (!dotEnvDir.isEmpty()) {
        const QString path = QDir(dotEnvDir).filePath(QStringLiteral(".env"));
        QStringList warnings;
        const QMap<QString, QString> dotEnv = DotEnvFile::read(path, &warnings);
        for (const QString &warning : std::as_const(warnings)) {
            builder.addWarning(warning);
        }
        for (auto it = dotEnv.cbegin(); it != dotEnv.cend(); ++it) {
            // Like dotenv: a variable present in the real environment (even empty) is not overridden.
            if (it.key().startsWith(prefix) && !env.contains(it.key())) {
                variables.insert(it.key(), {it.value(), ConfigSource{ConfigSource::Kind::DotEnv, it.key(), path}});
            }
        }
    }
    const QStringList names = env.keys();
    for (const QString &name : names) {
        if (name.startsWith(prefix)) {
            variables.insert(name, {env.value(name), ConfigSource{ConfigSource::Kind::Environment, name, {}}});
        }
    }
    for (auto it = variables.cbegin(); it != variables.cend(); ++it) {
        builder.applyEnvironmentVariable(it.key(), it->first, it->second);
    }
    return builder.finish();
}

} // namespace qsoketi
