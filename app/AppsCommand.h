// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QJsonObject>
#include <QString>
#include <QStringList>

class QCommandLineParser;

namespace qsoketi {

struct AppStoreReply;

// `qsoketi apps list|show|add|update|rotate-secret|disable|enable|remove [--json]`: manages the apps of the
// configured app store (SOKETI_APP_MANAGER_DRIVER sqlite, mysql or postgres; the same settings, .env and
// --config as the server). A running server sees each change within its app cache TTL. The array driver
// is read-only: list and show work, changes are refused.
//
// Exit status: 0 done, 1 refused or failed (one line on stderr), 2 wrong usage.
class AppsCommand final
{
public:
    // argv[1] is "apps". Creates its own QCoreApplication: call it before any other.
    static int run(int argc, char *argv[]);

private:
    // The app fields given as --kebab-case options (values as JSON when they parse, "default" resets).
    static QJsonObject fieldOptions(const QCommandLineParser &parser, QString *error);
    static QString print(const QString &command, const AppStoreReply &reply, bool json, bool showSecrets);
};

} // namespace qsoketi
