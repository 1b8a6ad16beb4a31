// SPDX-License-Identifier: GPL-3.0-or-later
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QProcessEnvironment>
#include <QTextStream>

#include "AppsCommand.h"
#include "DisplayProbe.h"
#include "ServerCore.h"
#include "ServerThread.h"
#include "StartupBanner.h"
#include "UnixSignalWatcher.h"
#include "config/ConfigLoader.h"
#include "config/DotEnvFile.h"
#include "eventloop/EpollEventDispatcher.h"
#include "logging/LogCategories.h"

#ifdef QSOKETI_HAS_GUI
#include <QApplication>

#include "AppIcon.h"
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

// The ten most used variables (generated from the option table, packaging/config/options.txt).
const char kCommonVariables[] =
#include "CommonVariables.inc"
    ;

QString namesList(QStringList names)
{
    names.sort();
    const qsizetype shown = 6;
    if (names.size() <= shown)
        return names.join(QStringLiteral(", "));
    return names.mid(0, shown).join(QStringLiteral(", ")) + QStringLiteral(", +%1 more").arg(names.size() - shown);
}

// Where the settings came from, in ConfigLoader's precedence order (names only, never values).
QStringList configSources(const QString &configFile, const QProcessEnvironment &env)
{
    QStringList sources{QStringLiteral("built-in defaults")};
    if (!configFile.isEmpty())
        sources.append(QStringLiteral("--config %1").arg(QFileInfo(configFile).absoluteFilePath()));
    const QString dotEnvPath = QDir::current().absoluteFilePath(QStringLiteral(".env"));
    QStringList fromDotEnv;
    QStringList ignoredWarnings;
    const QMap<QString, QString> dotEnv = qsoketi::DotEnvFile::read(dotEnvPath, &ignoredWarnings);
    for (auto it = dotEnv.cbegin(); it != dotEnv.cend(); ++it) {
        if (it.key().startsWith(QLatin1String("SOKETI_")) && !env.contains(it.key()) && !it.value().isEmpty())
            fromDotEnv.append(it.key());
    }
    if (!fromDotEnv.isEmpty())
        sources.append(QStringLiteral(".env %1 (%2)").arg(dotEnvPath, namesList(fromDotEnv)));
    QStringList fromEnv;
    for (const QString &name : env.keys()) {
        if (name.startsWith(QLatin1String("SOKETI_")) && !env.value(name).isEmpty())
            fromEnv.append(name);
    }
    if (!fromEnv.isEmpty())
        sources.append(QStringLiteral("environment (%1)").arg(namesList(fromEnv)));
    return sources;
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
    if (wantsGui) {
        // Probed first: Qt aborts (exit 134) when DISPLAY names an X server that is not there.
        const DisplayProbe::Result display = DisplayProbe::probe();
        gui = display.usable;
        if (!gui)
            qCWarning(lcApp, "no display found (%s): running headless, as with --no-gui", qPrintable(display.reason));
    }
    // Headless: an epoll dispatcher keeps each loop iteration O(active sockets) instead of O(all).
    // The GUI thread keeps the platform dispatcher, which also delivers window-system events.
    if (!gui)
        QCoreApplication::setEventDispatcher(new qsoketi::EpollEventDispatcher);
    std::unique_ptr<QCoreApplication> app(gui ? new QApplication(argc, argv) : new QCoreApplication(argc, argv));
    if (gui) {
        QApplication::setWindowIcon(qsoketi::AppIcon::icon());
        // Wayland compositors find the window's icon and name through the desktop entry.
        QGuiApplication::setDesktopFileName(QStringLiteral("io.github.qsoketi.qsoketi"));
    }
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
        "Settings come from SOKETI_* environment variables, a .env file in the working directory and --config."));
    const QCommandLineOption helpOption = parser.addHelpOption();
    const QCommandLineOption versionOption = parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("command"),
        QStringLiteral("\"start\" (the default): run the server; \"apps\": manage apps (qsoketi apps --help)."),
        QStringLiteral("[start|apps]"));
    const QCommandLineOption configOption(QStringLiteral("config"),
        QStringLiteral("JSON config file with soketi's dotted option keys."), QStringLiteral("file"));
    const QCommandLineOption noGuiOption(
        QStringLiteral("no-gui"), QStringLiteral("Run headless, without the dashboard."));
    parser.addOption(configOption);
    parser.addOption(noGuiOption);
    if (!parser.parse(QCoreApplication::arguments())) {
        qCCritical(lcApp, "%s (see --help)", qPrintable(parser.errorText()));
        return 2; // a usage error, like the unknown command below
    }
    if (parser.isSet(versionOption))
        parser.showVersion();
    if (parser.isSet(QStringLiteral("help-all")))
        parser.process(*app); // Qt's own options too; exits
    if (parser.isSet(helpOption)) {
        QTextStream(stdout) << parser.helpText()
                            << "\nMost used settings (environment variables, or lines of a .env file), with defaults:\n"
                            << kCommonVariables
                            << "\nEvery setting: man qsoketi, or docs/configuration.md in the source.\n";
        return 0;
    }
    const QStringList positional = parser.positionalArguments();
    if (positional.size() > 1 || (positional.size() == 1 && positional[0] != QLatin1String("start"))) {
        qCCritical(lcApp, "unknown command \"%s\": the commands are \"start\" and \"apps\" (see --help)",
            qPrintable(positional.join(QLatin1Char(' '))));
        return 2;
    }

    const QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    const auto loaded = qsoketi::ConfigLoader::load(parser.value(configOption), environment, QDir::currentPath());
    for (const QString &warning : loaded.warnings)
        qCWarning(lcApp, "%s", qPrintable(warning));
    if (!loaded.ok()) {
        for (const QString &error : loaded.errors)
            qCCritical(lcApp, "%s", qPrintable(error));
        return 1;
    }
    if (loaded.config.debug)
        QLoggingCategory::setFilterRules(QStringLiteral("qsoketi.*.debug=true"));

    // Installed before the ports open: a server on its own thread answers clients before this thread's
    // loop runs, and a SIGTERM then must still mean a clean shutdown (it is handled once the loop runs).
    UnixSignalWatcher signalWatcher;
    // With the window, the server runs on a thread of its own (epoll dispatcher) so painting and the
    // GUI dispatcher never delay a client; headless, the main thread is the server's.
    std::unique_ptr<qsoketi::ServerThread> serverThread;
    std::unique_ptr<qsoketi::ServerCore> mainThreadCore;
    QString error;
    bool started = false;
    if (gui) {
        serverThread = std::make_unique<qsoketi::ServerThread>();
        started = serverThread->start(loaded.config, &error);
    } else {
        mainThreadCore = std::make_unique<qsoketi::ServerCore>(loaded.config);
        started = mainThreadCore->start(&error);
    }
    if (!started) {
        qCCritical(lcApp, "%s", qPrintable(error));
        return 1;
    }
    qsoketi::ServerCore &core = serverThread ? serverThread->core() : *mainThreadCore;
    StartupBanner::Facts facts;
    facts.port = core.port();
    facts.metricsPort = core.metricsPort();
    facts.workers = core.workerCount();
#ifdef QSOKETI_HAS_GUI
    facts.mode = gui ? QStringLiteral("window") : QStringLiteral("headless");
#else
    facts.mode = QStringLiteral("headless; built without the dashboard");
#endif
    facts.configSources = configSources(parser.value(configOption), environment);
    for (const QString &line : StartupBanner::lines(loaded.config, facts))
        qCInfo(lcApp, "%s", qPrintable(line));

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

    QObject::connect(
        &signalWatcher, &UnixSignalWatcher::terminationRequested, &core, [&core](int) { core.shutdown(); });
    QObject::connect(&core, &qsoketi::ServerCore::stopped, app.get(), [] {
        qCInfo(lcApp, "stopped");
        QCoreApplication::quit();
    });

    return app->exec();
}
