// SPDX-License-Identifier: GPL-3.0-or-later
// soketi 1.6.1 as a real third node for the dashboard's cluster view (installed as described in
// /work/shared/spec/run-soketi.md). Started only inside a network namespace that has nothing but
// loopback: soketi's cluster discovery sends UDP broadcasts at every start otherwise.
#pragma once

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QNetworkInterface>
#include <QProcess>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

namespace qsoketi::test {

class SoketiProcess
{
public:
    SoketiProcess() = default;
    SoketiProcess(const SoketiProcess &) = delete;
    SoketiProcess &operator=(const SoketiProcess &) = delete;
    ~SoketiProcess()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        m_process.terminate(); // 4200 to its sockets, then it exits (about 3 s)
        if (!m_process.waitForFinished(8000))
            m_process.kill();
        m_process.waitForFinished(2000);
    }

    static QString serverScript()
    {
        return QDir::homePath()
            + QStringLiteral("/.cache/qsoketi-bench/soketi/node_modules/@soketi/soketi/bin/server.js");
    }
    static bool loopbackOnly()
    {
        for (const QNetworkInterface &i : QNetworkInterface::allInterfaces())
            if (!(i.flags() & QNetworkInterface::IsLoopBack))
                return false;
        return true;
    }
    static quint16 freePort()
    {
        QTcpServer server;
        return server.listen(QHostAddress::LocalHost) ? server.serverPort() : 0;
    }

    // False with the reason when soketi cannot (or must not) run here; else true once /metrics answers.
    bool start(QString *why)
    {
        const QString node = QStandardPaths::findExecutable(QStringLiteral("node"));
        if (!loopbackOnly())
            *why = QStringLiteral("not in a loopback-only network namespace");
        else if (node.isEmpty() || !QFileInfo::exists(serverScript()))
            *why = QStringLiteral("soketi 1.6.1 or node is not installed (see spec/run-soketi.md)");
        if (!why->isEmpty())
            return false;
        m_port = freePort();
        m_metricsPort = freePort();
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("SOKETI_HOST"), QStringLiteral("127.0.0.1"));
        env.insert(QStringLiteral("SOKETI_PORT"), QString::number(m_port));
        env.insert(QStringLiteral("SOKETI_METRICS_ENABLED"), QStringLiteral("1"));
        env.insert(QStringLiteral("SOKETI_METRICS_HOST"), QStringLiteral("127.0.0.1"));
        env.insert(QStringLiteral("SOKETI_METRICS_SERVER_PORT"), QString::number(m_metricsPort));
        env.insert(QStringLiteral("SOKETI_CLUSTER_UNICAST_ADDRESSES"), QStringLiteral("127.0.0.1"));
        m_process.setProcessEnvironment(env);
        m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_process.setStandardOutputFile(QProcess::nullDevice());
        m_process.start(node, {serverScript(), QStringLiteral("start")});
        QElapsedTimer clock;
        clock.start();
        while (clock.elapsed() < 20000 && m_process.state() != QProcess::NotRunning) {
            QTcpSocket probe;
            probe.connectToHost(QHostAddress::LocalHost, m_metricsPort);
            if (probe.waitForConnected(200))
                return true;
            QTest::qWait(200);
        }
        *why = QStringLiteral("soketi did not open its metrics port within 20 s");
        return false;
    }
    quint16 port() const { return m_port; }
    quint16 metricsPort() const { return m_metricsPort; }

private:
    QProcess m_process;
    quint16 m_port = 0;
    quint16 m_metricsPort = 0;
};

} // namespace qsoketi::test
