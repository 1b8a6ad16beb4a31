// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A private redis-server for one test: Debian's binary on a free loopback port, no persistence, its
// files in a temporary directory; stopped with the object. command() talks RESP over a plain socket,
// so a test can look at (or plant) exactly what a soketi node would find in Redis.
#include <memory>

#include <QProcess>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include "ClusterTestSupport.h"

namespace qsoketi::test {

class RedisTestServer
{
public:
    ~RedisTestServer() { stop(); }

    static QString binary() { return QStandardPaths::findExecutable(QStringLiteral("redis-server")); }

    bool start()
    {
        if (binary().isEmpty() || !m_dir.isValid())
            return false;
        if (!port)
            port = freePort();
        m_process = std::make_unique<QProcess>();
        m_process->setWorkingDirectory(m_dir.path());
        m_process->start(binary(),
            {QStringLiteral("--port"), QString::number(port), QStringLiteral("--bind"), QStringLiteral("127.0.0.1"),
                QStringLiteral("--save"), QString(), QStringLiteral("--appendonly"), QStringLiteral("no"),
                QStringLiteral("--dir"), m_dir.path()});
        if (!m_process->waitForStarted(5000))
            return false;
        return QTest::qWaitFor([this] { return command({"PING"}) == "+PONG\r\n"; }, 5000);
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

    // One command, its raw RESP reply (empty when Redis does not answer within a second).
    QByteArray command(const QList<QByteArray> &parts) const
    {
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, port);
        if (!s.waitForConnected(500))
            return {};
        QByteArray out = "*" + QByteArray::number(parts.size()) + "\r\n";
        for (const QByteArray &p : parts)
            out += "$" + QByteArray::number(p.size()) + "\r\n" + p + "\r\n";
        s.write(out);
        QByteArray reply;
        // A reply is complete when it ends a line and, for a bulk string, holds its announced length.
        while (s.waitForReadyRead(1000)) {
            reply += s.readAll();
            if (!reply.endsWith("\r\n"))
                continue;
            if (reply.startsWith('$')) {
                const qsizetype eol = reply.indexOf("\r\n");
                const qsizetype length = reply.mid(1, eol - 1).toLongLong();
                if (length >= 0 && reply.size() < eol + 2 + length + 2)
                    continue;
            }
            break;
        }
        return reply;
    }

    // The value of a string key, or a null QByteArray when it is not there.
    QByteArray get(const QByteArray &key) const
    {
        const QByteArray reply = command({"GET", key});
        if (!reply.startsWith('$') || reply.startsWith("$-1"))
            return {};
        const qsizetype eol = reply.indexOf("\r\n");
        return reply.mid(eol + 2, reply.mid(1, eol - 1).toLongLong());
    }

    quint16 port = 0;

private:
    QTemporaryDir m_dir;
    std::unique_ptr<QProcess> m_process;
};

} // namespace qsoketi::test
