// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A private PostgreSQL 15 or MariaDB 10.11 server for one test run, from the Debian packages: a
// throw-away data directory, loopback only, a free ephemeral port, password authentication over TCP as an
// app would use it. As root the servers run unprivileged (postgres as the `postgres` user; mariadbd
// --user=root as MariaDB allows). Plain SQL goes through the real command-line clients (psql, mariadb).
#include <memory>

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QThread>

#include "apps/AppStoreConfig.h"

#include <signal.h>
#include <unistd.h>

class TestDatabaseServer
{
public:
    enum class Kind
    {
        Postgres,
        MariaDb,
    };

    explicit TestDatabaseServer(Kind kind)
        : m_kind(kind)
    {}
    ~TestDatabaseServer() { stop(); }
    TestDatabaseServer(const TestDatabaseServer &) = delete;
    TestDatabaseServer &operator=(const TestDatabaseServer &) = delete;

    Kind kind() const { return m_kind; }
    quint16 port() const { return m_port; }
    QString lastError() const { return m_error; }

    // Empty when the server binaries are installed, else what to install.
    QString missing() const
    {
        if (m_kind == Kind::Postgres) {
            return pgBinary(QStringLiteral("pg_ctl")).isEmpty()
                    || QStandardPaths::findExecutable(QStringLiteral("psql")).isEmpty()
                ? QStringLiteral("postgresql is not installed")
                : QString();
        }
        return QStandardPaths::findExecutable(QStringLiteral("mariadbd"), {QStringLiteral("/usr/sbin")}).isEmpty()
                || QStandardPaths::findExecutable(QStringLiteral("mariadb-install-db")).isEmpty()
            ? QStringLiteral("mariadb-server is not installed")
            : QString();
    }

    // Creates the data directory, starts the server and creates the database "main".
    bool setUp()
    {
        m_dir = std::make_unique<QTemporaryDir>(QDir::tempPath() + QStringLiteral("/qsoketi-db-XXXXXX"));
        if (!m_dir->isValid()) {
            return fail(QStringLiteral("no temporary directory"));
        }
        m_port = freePort();
        if (m_kind == Kind::Postgres) {
            QFile pw(path(QStringLiteral("pw")));
            if (!pw.open(QIODevice::WriteOnly) || pw.write(password().toUtf8() + '\n') < 0) {
                return fail(QStringLiteral("cannot write the password file"));
            }
            pw.close();
            if (isRoot()
                && !run(QStringLiteral("chown"), {QStringLiteral("-R"), QStringLiteral("postgres:"), m_dir->path()})) {
                return false;
            }
            if (!runAsServerUser(pgBinary(QStringLiteral("initdb")),
                    {QStringLiteral("-D"), path(QStringLiteral("data")), QStringLiteral("-U"), user(),
                        QStringLiteral("--pwfile=") + path(QStringLiteral("pw")), QStringLiteral("-A"),
                        QStringLiteral("scram-sha-256"), QStringLiteral("--no-sync"), QStringLiteral("-E"),
                        QStringLiteral("UTF8"), QStringLiteral("--locale=C")})) {
                return false;
            }
            return start() && sql(QStringLiteral("CREATE DATABASE main"), nullptr, QStringLiteral("postgres"));
        }
        if (!run(QStringLiteral("mariadb-install-db"),
                {QStringLiteral("--no-defaults"), QStringLiteral("--datadir=") + path(QStringLiteral("data")),
                    QStringLiteral("--user=") + systemUser(),
                    QStringLiteral("--auth-root-authentication-method=normal"), QStringLiteral("--skip-test-db")},
                120000)) {
            return false;
        }
        if (!start()) {
            return false;
        }
        return run(QStringLiteral("mariadb"),
            {QStringLiteral("--no-defaults"), QStringLiteral("--socket=") + path(QStringLiteral("sock")),
                QStringLiteral("-u"), QStringLiteral("root"), QStringLiteral("-e"),
                QStringLiteral("CREATE DATABASE main; CREATE USER '%1'@'127.0.0.1' IDENTIFIED BY '%2'; "
                               "GRANT ALL ON main.* TO '%1'@'127.0.0.1';")
                    .arg(user(), password())});
    }

    bool start()
    {
        if (m_kind == Kind::Postgres) {
            return runAsServerUser(pgBinary(QStringLiteral("pg_ctl")),
                {QStringLiteral("-D"), path(QStringLiteral("data")), QStringLiteral("-l"), path(QStringLiteral("log")),
                    QStringLiteral("-w"), QStringLiteral("-o"),
                    QStringLiteral("-p %1 -k %2 -c listen_addresses=127.0.0.1 -c fsync=off")
                        .arg(m_port)
                        .arg(m_dir->path()),
                    QStringLiteral("start")});
        }
        m_mariadb = std::make_unique<QProcess>();
        m_mariadb->setStandardOutputFile(path(QStringLiteral("stdout.log")), QIODevice::Append);
        m_mariadb->setStandardErrorFile(path(QStringLiteral("stderr.log")), QIODevice::Append);
        m_mariadb->start(QStandardPaths::findExecutable(QStringLiteral("mariadbd"), {QStringLiteral("/usr/sbin")}),
            {QStringLiteral("--no-defaults"), QStringLiteral("--datadir=") + path(QStringLiteral("data")),
                QStringLiteral("--port=%1").arg(m_port), QStringLiteral("--bind-address=127.0.0.1"),
                QStringLiteral("--socket=") + path(QStringLiteral("sock")),
                QStringLiteral("--pid-file=") + path(QStringLiteral("pid")), QStringLiteral("--user=") + systemUser(),
                QStringLiteral("--skip-log-bin"), QStringLiteral("--innodb-buffer-pool-size=16M"),
                QStringLiteral("--log-error=") + path(QStringLiteral("err.log"))});
        const QDeadlineTimer deadline(60000);
        while (!deadline.hasExpired()) {
            if (m_mariadb->state() == QProcess::NotRunning) {
                return fail(QStringLiteral("mariadbd exited; see ") + path(QStringLiteral("err.log")));
            }
            QProcess ping;
            ping.start(QStringLiteral("mariadb-admin"),
                {QStringLiteral("--no-defaults"), QStringLiteral("--socket=") + path(QStringLiteral("sock")),
                    QStringLiteral("-u"), QStringLiteral("root"), QStringLiteral("ping")});
            if (ping.waitForFinished(5000) && ping.exitCode() == 0) {
                return true;
            }
            QThread::msleep(100);
        }
        return fail(QStringLiteral("mariadbd did not answer within 60 s"));
    }

    bool stop()
    {
        if (!m_dir) {
            return true;
        }
        if (m_kind == Kind::Postgres) {
            return runAsServerUser(pgBinary(QStringLiteral("pg_ctl")),
                {QStringLiteral("-D"), path(QStringLiteral("data")), QStringLiteral("-m"), QStringLiteral("fast"),
                    QStringLiteral("-w"), QStringLiteral("stop")});
        }
        if (m_mariadb && m_mariadb->state() != QProcess::NotRunning) {
            m_mariadb->terminate();
            if (!m_mariadb->waitForFinished(60000)) {
                m_mariadb->kill();
                m_mariadb->waitForFinished(5000);
            }
        }
        return true;
    }

    // Freezes (SIGSTOP) or thaws (SIGCONT) mariadbd: a database that accepts connections and never answers.
    bool freeze(bool frozen)
    {
        if (m_kind != Kind::MariaDb || !m_mariadb || m_mariadb->state() != QProcess::Running) {
            return fail(QStringLiteral("only a running MariaDB can be frozen"));
        }
        return ::kill(pid_t(m_mariadb->processId()), frozen ? SIGSTOP : SIGCONT) == 0;
    }

    // Runs SQL through psql / mariadb as the app's user on database "main" (or db); *output gets the rows
    // as tab-separated text.
    bool sql(const QString &statements, QString *output = nullptr, const QString &db = QStringLiteral("main"))
    {
        QProcess client;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        QStringList args;
        QString program;
        if (m_kind == Kind::Postgres) {
            program = QStringLiteral("psql");
            env.insert(QStringLiteral("PGPASSWORD"), password());
            args = {QStringLiteral("-h"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"), QString::number(m_port),
                QStringLiteral("-U"), user(), QStringLiteral("-d"), db, QStringLiteral("-v"),
                QStringLiteral("ON_ERROR_STOP=1"), QStringLiteral("-X"), QStringLiteral("-q"), QStringLiteral("-A"),
                QStringLiteral("-t"), QStringLiteral("-F"), QStringLiteral("\t"), QStringLiteral("-c"), statements};
        } else {
            program = QStringLiteral("mariadb");
            args = {QStringLiteral("--no-defaults"), QStringLiteral("-h"), QStringLiteral("127.0.0.1"),
                QStringLiteral("-P"), QString::number(m_port), QStringLiteral("-u"), user(),
                QStringLiteral("-p") + password(), QStringLiteral("-N"), QStringLiteral("-B"), db, QStringLiteral("-e"),
                statements};
        }
        client.setProcessEnvironment(env);
        client.start(program, args);
        if (!client.waitForFinished(30000) || client.exitCode() != 0) {
            return fail(program + QStringLiteral(": ") + QString::fromUtf8(client.readAllStandardError()).trimmed());
        }
        if (output) {
            *output = QString::fromUtf8(client.readAllStandardOutput()).trimmed();
        }
        return true;
    }

    qsoketi::SqlServerConfig config(const QString &table = QStringLiteral("apps")) const
    {
        return qsoketi::SqlServerConfig{
            QStringLiteral("127.0.0.1"), m_port, user(), password(), QStringLiteral("main"), table};
    }

private:
    QString user() const { return m_kind == Kind::Postgres ? QStringLiteral("postgres") : QStringLiteral("qsoketi"); }
    // Spaces, quotes and semicolons: the password must reach the server as given.
    static QString password() { return QStringLiteral("p@ss w;rd\"x"); }
    static bool isRoot() { return ::geteuid() == 0; }
    static QString systemUser() { return isRoot() ? QStringLiteral("root") : QString::fromLocal8Bit(qgetenv("USER")); }

    static QString pgBinary(const QString &name)
    {
        const QStringList versions = QDir(QStringLiteral("/usr/lib/postgresql"))
                                         .entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name | QDir::Reversed);
        for (const QString &version : versions) {
            const QString candidate = QStringLiteral("/usr/lib/postgresql/%1/bin/%2").arg(version, name);
            if (QFile::exists(candidate)) {
                return candidate;
            }
        }
        return QStandardPaths::findExecutable(name);
    }

    static quint16 freePort()
    {
        QTcpServer probe;
        probe.listen(QHostAddress::LocalHost, 0);
        return probe.serverPort();
    }

    QString path(const QString &name) const { return m_dir->path() + u'/' + name; }

    bool fail(const QString &message)
    {
        m_error = message;
        return false;
    }

    bool runAsServerUser(const QString &program, const QStringList &args)
    {
        if (!isRoot()) {
            return run(program, args);
        }
        return run(QStringLiteral("runuser"),
            QStringList{QStringLiteral("-u"), QStringLiteral("postgres"), QStringLiteral("--"), program} + args);
    }

    bool run(const QString &program, const QStringList &args, int timeoutMs = 60000)
    {
        QProcess process;
        process.setProcessChannelMode(QProcess::MergedChannels);
        process.start(program, args);
        if (!process.waitForFinished(timeoutMs) || process.exitStatus() != QProcess::NormalExit
            || process.exitCode() != 0) {
            return fail(
                program + QStringLiteral(" failed: ") + QString::fromUtf8(process.readAll()).trimmed().right(600));
        }
        return true;
    }

    Kind m_kind;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<QProcess> m_mariadb;
    quint16 m_port = 0;
    QString m_error;
};
