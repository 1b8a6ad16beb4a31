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
#include "LoopbackConfig.h"
#include "ServerCore.h"
#include "config/ServerConfig.h"

namespace qsoketi::test {

class RedisTestServer
{
public:
    ~RedisTestServer() { stop(); }

    static QString binary() { return QStandardPaths::findExecutable(QStringLiteral("redis-server")); }

    // Starts redis-server and waits until it answers PING. After stop(), starts again on the same port,
    // so nodes configured with it reconnect (a Redis restart).
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

    // A command in RESP, binary-safe (JSON payloads hold spaces and quotes): for tests that speak to
    // Redis over their own sockets (a fake node's subscriber, say).
    static QByteArray resp(const QList<QByteArray> &parts)
    {
        QByteArray out = "*" + QByteArray::number(parts.size()) + "\r\n";
        for (const QByteArray &p : parts)
            out += "$" + QByteArray::number(p.size()) + "\r\n" + p + "\r\n";
        return out;
    }

    // One command, its raw RESP reply (empty when Redis does not answer within a second).
    QByteArray command(const QList<QByteArray> &parts) const
    {
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, port);
        if (!s.waitForConnected(500))
            return {};
        s.write(resp(parts));
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

    // The config a node using this Redis starts from: loopback, ephemeral ports, a short shutdown, and
    // 500 ms as the longest a request waits for Redis. The test picks the drivers that use Redis.
    ServerConfig nodeConfig() const
    {
        ServerConfig config = loopbackConfig();
        config.adapter.redisHost = QStringLiteral("127.0.0.1");
        config.adapter.redisPort = port;
        config.adapter.requestsTimeoutMs = 500;
        return config;
    }

    // A started node; when it cannot start, the reason is logged and the test fails on a node that never answers.
    static std::unique_ptr<ServerCore> startNode(const ServerConfig &config)
    {
        auto core = std::make_unique<ServerCore>(config);
        QString error;
        if (!core->start(&error))
            qWarning() << error;
        return core;
    }

    quint16 port = 0;

private:
    QTemporaryDir m_dir;
    std::unique_ptr<QProcess> m_process;
};

} // namespace qsoketi::test
