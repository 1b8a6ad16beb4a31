// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QTimer>

#include "config/ServerConfig.h"

struct redisAsyncContext;
struct redisReply;
class QSocketNotifier;

namespace qsoketi {

// One asynchronous hiredis connection driven by the Qt event loop (QSocketNotifiers on its fd): it
// never blocks. On loss it logs one line and reconnects with exponential back-off (100 ms → 5 s);
// ready() is emitted after every (re)connect so the owner can re-subscribe.
class RedisConnection : public QObject
{
    Q_OBJECT

public:
    // reply is null when the connection went away before the answer came.
    using ReplyHandler = std::function<void(redisReply *reply)>;

    RedisConnection(const AdapterConfig &config, QString name, QObject *parent = nullptr);
    ~RedisConnection() override;

    void open();
    bool isReady() const { return m_ready; }
    // Queues a command. Returns false (the handler is not called) when not connected.
    bool command(const QList<QByteArray> &args, ReplyHandler handler = {});
    // A command with a deadline: the handler is called exactly once, with the reply, or with a null reply
    // and why there is none ("not connected", "connection lost", "timed out"); why is null with a reply.
    using DeadlineHandler = std::function<void(redisReply *reply, const char *why)>;
    void commandWithin(const QList<QByteArray> &args, int timeoutMs, DeadlineHandler handler);
    // SUBSCRIBE: the handler sees every pushed message of these channels until the connection drops.
    bool subscribe(const QList<QByteArray> &channels, ReplyHandler handler);
    // Writes the queued commands now, as far as the socket takes them without waiting: a last message
    // before the connection is freed (which would drop it) gets out.
    void flush();

signals:
    void ready();

private:
    static void onConnect(const redisAsyncContext *ac, int status);
    static void onDisconnect(const redisAsyncContext *ac, int status);
    static void onReply(redisAsyncContext *ac, void *reply, void *privdata);
    static void onPushed(redisAsyncContext *ac, void *reply, void *privdata);
    static void addRead(void *data);
    static void delRead(void *data);
    static void addWrite(void *data);
    static void delWrite(void *data);
    static void cleanup(void *data);

    void lost(const char *why);
    void scheduleReconnect();
    bool send(const QList<QByteArray> &args, void (*fn)(redisAsyncContext *, void *, void *), void *privdata);

    const AdapterConfig &m_config;
    QString m_name;
    redisAsyncContext *m_ctx = nullptr;
    QSocketNotifier *m_read = nullptr;
    QSocketNotifier *m_write = nullptr;
    QTimer m_reconnectTimer;
    int m_backoffMs = 100;
    bool m_ready = false;
    bool m_reportedLoss = false;
    bool m_destroying = false;
    // Subscription handlers live until the context that calls them is gone.
    std::vector<std::unique_ptr<ReplyHandler>> m_pushHandlers;
};

} // namespace qsoketi
