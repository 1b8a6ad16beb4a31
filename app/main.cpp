// SPDX-License-Identifier: GPL-3.0-or-later
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QProcessEnvironment>
#include <QTextStream>

#include "AppsCommand.h"
#include "ServerCore.h"
#include "UnixSignalWatcher.h"
#include "config/ConfigLoader.h"
#include "eventloop/EpollEventDispatcher.h"
#include "logging/LogCategories.h"

#ifdef QSOKETI_HAS_GUI
#include <QApplication>

#include "DashboardWindow.h"
#endif

#include <cstdio>
#include <cstring>
#include <memory>

namespace {

// One line per message on stderr: time, level, category, text.
void logLine(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    static const char *levels[] = {"debug", "warning", "critical", "fatal", "info"};
    const QByteArray line = QDateTime::currentDateTime().toString(Qt::ISODateWithMs).toUtf8() + ' ' + levels[type] + ' '
        + (context.category ? context.category : "default") + ": " + message.toUtf8() + '\n';
    std::fwrite(line.constData(), 1, size_t(line.size()), stderr);
}

[[maybe_unused]] bool hasArgument(int argc, char **argv, const char *name)
{
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], name) == 0)
            return true;
    return false;
}

[[maybe_unused]] bool displayAvailable()
{
    return qEnvironmentVariableIsSet("DISPLAY") || qEnvironmentVariableIsSet("WAYLAND_DISPLAY")
        || qEnvironmentVariableIsSet("QT_QPA_PLATFORM");
}

} // namespace

int main(int argc, char *argv[])
{
    qInstallMessageHandler(logLine);
    // `qsoketi apps ...`: manage the apps of the configured app store; no server, no dashboard.
    if (argc > 1 && std::strcmp(argv[1], "apps") == 0)
        return qsoketi::AppsCommand::run(argc, argv);

    // GUI or headless must be decided before any application object exists.
    [[maybe_unused]] bool gui = false;
#ifdef QSOKETI_HAS_GUI
    const bool wantsGui = !hasArgument(argc, argv, "--no-gui") && !hasArgument(argc, argv, "--help")
        && !hasArgument(argc, argv, "-h") && !hasArgument(argc, argv, "--version") && !hasArgument(argc, argv, "-v");
    gui = wantsGui && displayAvailable();
    if (wantsGui && !gui)
        qCWarning(lcApp, "no display found (DISPLAY/WAYLAND_DISPLAY unset): running headless, as with --no-gui");
    // Headless: an epoll dispatcher keeps each loop iteration O(active sockets) instead of O(all).
    // The GUI thread keeps the platform dispatcher, which also delivers window-system events.
    if (!gui)
        QCoreApplication::setEventDispatcher(new qsoketi::EpollEventDispatcher);
    std::unique_ptr<QCoreApplication> app(gui ? new QApplication(argc, argv) : new QCoreApplication(argc, argv));
#else
    QCoreApplication::setEventDispatcher(new qsoketi::EpollEventDispatcher);
    std::unique_ptr<QCoreApplication> app(new QCoreApplication(argc, argv));
#endif
    QCoreApplication::setApplicationName(QStringLiteral("qsoketi"));
    QCoreApplication::setOrganizationName(QStringLiteral("qsoketi"));
    QCoreApplication::setApplicationVersion(QStringLiteral(QSOKETI_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "qsoketi: a Pusher Channels protocol server (WebSocket + HTTP API on 6001, Prometheus metrics on 9601).\n"
        "Settings come from SOKETI_* environment variables, a .env file and --config (see README.md)."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("command"),
        QStringLiteral("\"start\" (the default): run the server; \"apps\": manage apps (qsoketi apps --help)."),
        QStringLiteral("[start|apps]"));
    const QCommandLineOption configOption(QStringLiteral("config"),
        QStringLiteral("JSON config file with soketi's dotted option keys."), QStringLiteral("file"));
    const QCommandLineOption noGuiOption(
        QStringLiteral("no-gui"), QStringLiteral("Run headless, without the dashboard."));
    parser.addOption(configOption);
    parser.addOption(noGuiOption);
    parser.process(*app);
    const QStringList positional = parser.positionalArguments();
    if (positional.size() > 1 || (positional.size() == 1 && positional[0] != QLatin1String("start"))) {
        qCCritical(lcApp, "unknown command \"%s\": the commands are \"start\" and \"apps\" (see --help)",
            qPrintable(positional.join(QLatin1Char(' '))));
        return 2;
    }

    const auto loaded = qsoketi::ConfigLoader::load(
        parser.value(configOption), QProcessEnvironment::systemEnvironment(), QDir::currentPath());
    for (const QString &warning : loaded.warnings)
        qCWarning(lcApp, "%s", qPrintable(warning));
    if (!loaded.ok()) {
        for (const QString &error : loaded.errors)
            qCCritical(lcApp, "%s", qPrintable(error));
        return 1;
    }
    if (loaded.config.debug)
        QLoggingCategory::setFilterRules(QStringLiteral("qsoketi.*.debug=true"));

    qsoketi::ServerCore core(loaded.config);
    QString error;
    if (!core.start(&error)) {
        qCCritical(lcApp, "%s", qPrintable(error));
        return 1;
    }
    qCInfo(lcApp, "qsoketi %s listening on %s:%u (WebSocket /app/{key} and HTTP API); %d app(s), default key \"%s\"",
        QSOKETI_VERSION, qPrintable(loaded.config.host), unsigned(core.port()), int(loaded.config.apps.size()),
        qPrintable(loaded.config.apps.value(0).key));

#ifdef QSOKETI_HAS_GUI
    std::unique_ptr<qsoketi::DashboardWindow> window;
    if (gui) {
        window = std::make_unique<qsoketi::DashboardWindow>(core);
        // Closing the window stops the server like SIGTERM does: clients get 4200, then the grace period.
        QApplication::setQuitOnLastWindowClosed(false);
        QObject::connect(window.get(), &qsoketi::DashboardWindow::closed, &core, &qsoketi::ServerCore::shutdown);
        window->show();
    }
#endif

    UnixSignalWatcher signalWatcher;
    QObject::connect(
        &signalWatcher, &UnixSignalWatcher::terminationRequested, &core, [&core](int) { core.shutdown(); });
    QObject::connect(&core, &qsoketi::ServerCore::stopped, app.get(), [] {
        qCInfo(lcApp, "stopped");
        QCoreApplication::quit();
    });

    return app->exec();
}
