// SPDX-License-Identifier: GPL-3.0-or-later
#include "AppsCommand.h"

#include <cstdio>
#include <optional>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QProcessEnvironment>
#include <QTimer>

#include "apps/AppColumns.h"
#include "apps/AppDirectory.h"
#include "config/ConfigLoader.h"

namespace qsoketi {

namespace {

enum Exit
{
    Done = 0,
    Failed = 1,
    Usage = 2,
};

const char *const kCommands[] = {"list", "show", "add", "update", "rotate-secret", "disable", "enable", "remove"};

// maxConnections → max-connections
QString kebab(const char *camel)
{
    QString out;
    for (const char *c = camel; *c; ++c) {
        if (*c >= 'A' && *c <= 'Z') {
            out += u'-';
            out += QChar(*c - 'A' + 'a');
        } else {
            out += QLatin1Char(*c);
        }
    }
    return out;
}

// The fields an operator sets directly; the previous secret belongs to rotate-secret.
bool isOption(const AppColumns::Field &field)
{
    return qstrncmp(field.name, "previousSecret", 14) != 0;
}

void writeLine(FILE *stream, const QString &text)
{
    const QByteArray line = text.toUtf8() + '\n';
    std::fwrite(line.constData(), 1, size_t(line.size()), stream);
}

int fail(const QString &message, Exit code = Failed)
{
    writeLine(stderr, QStringLiteral("qsoketi apps: ") + message);
    return code;
}

QString text(const QJsonValue &value)
{
    if (value.isString()) {
        return value.toString();
    }
    if (value.isBool()) {
        return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    }
    if (value.isDouble()) {
        return QString::number(value.toDouble(), 'g', 16);
    }
    return QString::fromUtf8(QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact));
}

QString table(const QList<AppPtr> &apps)
{
    const QStringList headers{QStringLiteral("ID"), QStringLiteral("KEY"), QStringLiteral("ENABLED"),
        QStringLiteral("CLIENT EVENTS"), QStringLiteral("USER AUTH"), QStringLiteral("MAX CONNECTIONS"),
        QStringLiteral("WEBHOOKS")};
    QList<QStringList> rows{headers};
    for (const AppPtr &app : apps) {
        const auto yes = [](bool flag) { return flag ? QStringLiteral("yes") : QStringLiteral("no"); };
        rows.append(
            {app->id, app->key, yes(app->enabled), yes(app->enableClientMessages), yes(app->enableUserAuthentication),
                app->maxConnections < 0 ? QStringLiteral("unlimited") : QString::number(app->maxConnections),
                QString::number(app->webhooks.size())});
    }
    QList<qsizetype> widths(headers.size(), 0);
    for (const QStringList &row : std::as_const(rows)) {
        for (qsizetype i = 0; i < row.size(); ++i) {
            widths[i] = std::max(widths[i], row[i].size());
        }
    }
    QStringList lines;
    for (const QStringList &row : std::as_const(rows)) {
        QString line;
        for (qsizetype i = 0; i < row.size(); ++i) {
            line += i + 1 == row.size() ? row[i] : row[i].leftJustified(widths[i] + 2);
        }
        lines.append(line);
    }
    return lines.join(u'\n');
}

QString details(const App &app, bool showSecrets)
{
    const QJsonObject json = AppColumns::toJson(app, showSecrets);
    QStringList lines;
    for (const AppColumns::Field &field : AppColumns::all()) {
        const QString name = QLatin1String(field.name);
        if (json.contains(name)) {
            lines.append(name + QStringLiteral(": ") + text(json.value(name)));
        } else {
            lines.append(name + QStringLiteral(": (hidden; --show-secrets shows it)"));
        }
    }
    return lines.join(u'\n');
}

} // namespace

QJsonObject AppsCommand::fieldOptions(const QCommandLineParser &parser, QString *error)
{
    QJsonObject fields;
    for (const AppColumns::Field &field : AppColumns::all()) {
        const QString option = kebab(field.name);
        if (!isOption(field) || !parser.isSet(option)) {
            continue;
        }
        const QString value = parser.value(option);
        // Values parse as JSON first, like soketi's environment variables (5, true, [...]); ids, keys and
        // secrets stay text ("123" is an id, not a number).
        QJsonValue json(value);
        if (field.type != AppColumns::Type::String) {
            const QJsonDocument doc = QJsonDocument::fromJson(QByteArray('[' + value.toUtf8() + ']'));
            if (doc.isArray() && doc.array().size() == 1) {
                json = doc.array().at(0);
            }
        }
        QVariant stored;
        if (!AppColumns::validate(field, json, &stored, error)) {
            *error = QStringLiteral("--%1: %2").arg(option, *error);
            return {};
        }
        fields.insert(QLatin1String(field.name), json);
    }
    return fields;
}

QString AppsCommand::print(const QString &command, const AppStoreReply &reply, bool json, bool showSecrets)
{
    // A new or rotated secret is shown: the operator needs it once.
    const bool secrets = showSecrets || command == QLatin1String("add") || command == QLatin1String("rotate-secret");
    if (json) {
        if (command == QLatin1String("list")) {
            QJsonArray apps;
            for (const AppPtr &app : reply.apps) {
                apps.append(AppColumns::toJson(*app, secrets));
            }
            return QString::fromUtf8(QJsonDocument(apps).toJson(QJsonDocument::Indented)).trimmed();
        }
        const QJsonObject object = reply.first() ? AppColumns::toJson(*reply.first(), secrets) : QJsonObject();
        return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Indented)).trimmed();
    }
    if (command == QLatin1String("list")) {
        return reply.apps.isEmpty() ? QStringLiteral("no apps") : table(reply.apps);
    }
    if (command == QLatin1String("remove")) {
        return QStringLiteral("removed");
    }
    return details(*reply.first(), secrets);
}

int AppsCommand::run(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("qsoketi apps"));
    QCoreApplication::setApplicationVersion(QStringLiteral(QSOKETI_VERSION));
    // The store's own log lines would repeat the one error line printed here.
    QLoggingCategory::setFilterRules(QStringLiteral("qsoketi.apps.info=false\nqsoketi.apps.warning=false"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Manage the apps of the configured app store (SOKETI_APP_MANAGER_DRIVER=sqlite|mysql|postgres, with the\n"
        "server's settings from the environment, .env and --config). A running server sees changes within its\n"
        "SOKETI_APP_MANAGER_CACHE_TTL. The array driver (apps from the config) is read-only.\n\n"
        "  qsoketi apps list [--show-secrets]\n"
        "  qsoketi apps show <id> [--show-secrets]\n"
        "  qsoketi apps add [--id ID] [--key KEY] [--secret SECRET] [field options]   (id/key/secret generated)\n"
        "  qsoketi apps update <id> <field options>   (\"default\" resets a field)\n"
        "  qsoketi apps rotate-secret <id> [--grace SECONDS] [--secret SECRET]\n"
        "  qsoketi apps disable|enable|remove <id>"));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("apps"), QStringLiteral("apps"));
    parser.addPositionalArgument(
        QStringLiteral("command"), QStringList(std::begin(kCommands), std::end(kCommands)).join(u'|'));
    parser.addPositionalArgument(QStringLiteral("id"), QStringLiteral("The app's id."), QStringLiteral("[id]"));
    parser.addOption(
        {QStringLiteral("config"), QStringLiteral("JSON config file, as for the server."), QStringLiteral("file")});
    parser.addOption({QStringLiteral("json"), QStringLiteral("Print JSON.")});
    parser.addOption({QStringLiteral("show-secrets"), QStringLiteral("Print secrets and full webhooks.")});
    parser.addOption({QStringLiteral("grace"),
        QStringLiteral("rotate-secret: seconds the old secret stays valid (needs qsoketi's previous_secret columns)."),
        QStringLiteral("seconds"), QStringLiteral("0")});
    for (const AppColumns::Field &field : AppColumns::all()) {
        if (isOption(field)) {
            parser.addOption({kebab(field.name), QStringLiteral("Column %1.").arg(QLatin1String(field.column)),
                QStringLiteral("value")});
        }
    }
    parser.process(app);

    const QStringList args = parser.positionalArguments().mid(1); // after "apps"
    const QString command = args.value(0);
    if (!QStringList(std::begin(kCommands), std::end(kCommands)).contains(command)) {
        return fail(command.isEmpty() ? QStringLiteral("a command is needed (see qsoketi apps --help)")
                                      : QStringLiteral("unknown command \"%1\" (see qsoketi apps --help)").arg(command),
            Usage);
    }
    const bool needsId = command != QLatin1String("list") && command != QLatin1String("add");
    if (args.size() != (needsId ? 2 : 1)) {
        return fail(needsId ? QStringLiteral("%1 takes one app id").arg(command)
                            : QStringLiteral("%1 takes no app id").arg(command),
            Usage);
    }
    const QString id = args.value(1);
    QString error;
    const QJsonObject fields = fieldOptions(parser, &error);
    if (!error.isEmpty()) {
        return fail(error, Usage);
    }
    const bool takesFields = command == QLatin1String("add") || command == QLatin1String("update");
    const bool onlySecret = fields.size() == 1 && fields.contains(QLatin1String("secret"));
    if (!fields.isEmpty() && !takesFields && !(command == QLatin1String("rotate-secret") && onlySecret)) {
        return fail(QStringLiteral("%1 takes no field options").arg(command), Usage);
    }
    if (command == QLatin1String("update") && fields.isEmpty()) {
        return fail(QStringLiteral("update needs at least one field option (see qsoketi apps --help)"), Usage);
    }
    bool graceOk = false;
    const int grace = parser.value(QStringLiteral("grace")).toInt(&graceOk);
    if (!graceOk || grace < 0) {
        return fail(QStringLiteral("--grace takes seconds >= 0"), Usage);
    }

    const auto loaded = ConfigLoader::load(
        parser.value(QStringLiteral("config")), QProcessEnvironment::systemEnvironment(), QDir::currentPath());
    if (!loaded.ok()) {
        for (const QString &line : loaded.errors) {
            writeLine(stderr, line);
        }
        return Failed;
    }
    AppDirectory directory(loaded.config.appStore);
    std::optional<AppStoreReply> reply;
    const auto done = [&reply](const AppStoreReply &r) {
        reply = r;
        QCoreApplication::quit();
    };
    if (command == QLatin1String("list")) {
        directory.list(done);
    } else if (command == QLatin1String("show")) {
        directory.get(id, done);
    } else if (command == QLatin1String("add")) {
        directory.add(fields, done);
    } else if (command == QLatin1String("update")) {
        directory.update(id, fields, done);
    } else if (command == QLatin1String("rotate-secret")) {
        directory.rotateSecret(id, grace, done, nullptr, fields.value(QLatin1String("secret")).toString());
    } else if (command == QLatin1String("remove")) {
        directory.remove(id, done);
    } else {
        directory.setEnabled(id, command == QLatin1String("enable"), done);
    }
    QTimer::singleShot(60000, &app, &QCoreApplication::quit);
    app.exec();
    if (!reply) {
        return fail(QStringLiteral("no answer from the app store (%1) within 60 s").arg(directory.description()));
    }
    if (!reply->ok()) {
        return fail(reply->error);
    }
    if (command == QLatin1String("show") && !reply->first()) {
        return fail(QStringLiteral("there is no app with id \"%1\" (%2)").arg(id, directory.description()));
    }
    writeLine(stdout,
        print(command, *reply, parser.isSet(QStringLiteral("json")), parser.isSet(QStringLiteral("show-secrets"))));
    return Done;
}

} // namespace qsoketi
