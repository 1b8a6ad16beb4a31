// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A private nats-server for one test: Debian's binary on a free loopback port, stopped with the object;
// start() again after stop() brings it back on the same port (a broker restart).
#include <memory>

#include <QProcess>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTest>

#include "ClusterTestSupport.h"

namespace qsoketi::test {

class NatsTestServer
{
public:
    ~NatsTestServer() { stop(); }

    static QString binary()
    {
        const QString sbin =
            QStandardPaths::findExecutable(QStringLiteral("nats-server"), {QStringLiteral("/usr/sbin")});
        return sbin.isEmpty() ? QStandardPaths::findExecutable(QStringLiteral("nats-server")) : sbin;
    }

    bool start()
    {
        if (binary().isEmpty())
            return false;
        if (!port)
            port = freePort();
        m_process = std::make_unique<QProcess>();
        m_process->start(binary(),
            {QStringLiteral("--addr"), QStringLiteral("127.0.0.1"), QStringLiteral("--port"), QString::number(port)});
        if (!m_process->waitForStarted(5000))
            return false;
        return QTest::qWaitFor([this] { return answers(); }, 5000);
    }

    void stop()
    {
        if (!m_process)
            return;
        m_process->terminate();
        if (!m_process->waitForFinished(5000))
            m_process->kill();
        m_process->waitForFinished(1000);
        m_process.reset();
    }

    bool answers() const
    {
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, port);
        return s.waitForConnected(200) && s.waitForReadyRead(500) && s.readAll().startsWith("INFO");
    }

    quint16 port = 0;

private:
    std::unique_ptr<QProcess> m_process;
};

} // namespace qsoketi::test
