// SPDX-License-Identifier: GPL-3.0-or-later
#include "adapter/RedisConnection.h"

#include <memory>
#include <utility>

#include <QLoggingCategory>
#include <QSocketNotifier>

#include "logging/LogCategories.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

namespace qsoketi {

namespace {

constexpr int maxBackoffMs = 5000;

RedisConnection *owner(const redisAsyncContext *ac)
{
    return static_cast<RedisConnection *>(ac->data);
}

} // namespace

RedisConnection::RedisConnection(const AdapterConfig &config, QString name, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_name(std::move(name))
{
    m_reconnectTimer.setSingleShot(true);
    connect(&m_reconnectTimer, &QTimer::timeout, this, &RedisConnection::open);
}

RedisConnection::~RedisConnection()
{
    m_destroying = true;
    m_reconnectTimer.stop();
    if (m_ctx) {
        redisAsyncContext *ctx = m_ctx;
        // Pending callbacks run with a null reply inside the free; handlers are skipped while destroying.
        redisAsyncFree(ctx);
        m_ctx = nullptr;
    }
    delete m_read;
    delete m_write;
}

void RedisConnection::open()
{
    if (m_ctx || m_destroying)
        return;
    m_pushHandlers.clear(); // the previous context, which could call them, is freed
    const QByteArray host = m_config.redisHost.toUtf8();
    redisAsyncContext *ctx = redisAsyncConnect(host.constData(), m_config.redisPort);
    if (!ctx || ctx->err) {
        lost(ctx ? ctx->errstr : "cannot allocate a hiredis context");
        if (ctx)
            redisAsyncFree(ctx);
        scheduleReconnect();
        return;
    }
    m_ctx = ctx;
    ctx->data = this;
    ctx->ev.data = this;
    ctx->ev.addRead = &RedisConnection::addRead;
    ctx->ev.delRead = &RedisConnection::delRead;
    ctx->ev.addWrite = &RedisConnection::addWrite;
    ctx->ev.delWrite = &RedisConnection::delWrite;
    ctx->ev.cleanup = &RedisConnection::cleanup;
    redisAsyncSetConnectCallback(ctx, &RedisConnection::onConnect);
    redisAsyncSetDisconnectCallback(ctx, &RedisConnection::onDisconnect);
    // hiredis queues commands until the connect completes; AUTH and SELECT go first.
    if (!m_config.redisPassword.isEmpty()) {
        QList<QByteArray> auth{QByteArrayLiteral("AUTH")};
        if (!m_config.redisUsername.isEmpty())
            auth.append(m_config.redisUsername.toUtf8());
        auth.append(m_config.redisPassword.toUtf8());
        send(auth, &RedisConnection::onReply, new ReplyHandler([this](redisReply *r) {
            if (r && r->type == REDIS_REPLY_ERROR)
                qCWarning(lcServer).noquote() << "redis" << m_name << "AUTH failed:" << r->str;
        }));
    }
    if (m_config.redisDb != 0)
        send({QByteArrayLiteral("SELECT"), QByteArray::number(m_config.redisDb)}, &RedisConnection::onReply,
            new ReplyHandler);
}

void RedisConnection::onConnect(const redisAsyncContext *ac, int status)
{
    RedisConnection *self = owner(ac);
    if (!self || self->m_destroying)
        return;
    if (status != REDIS_OK) {
        // hiredis frees the context after this callback.
        self->m_ctx = nullptr;
        self->lost(ac->errstr);
        self->scheduleReconnect();
        return;
    }
    if (self->m_reportedLoss)
        qCInfo(lcServer).noquote() << "redis" << self->m_name << "connection restored";
    self->m_reportedLoss = false;
    self->m_backoffMs = 100;
    self->m_ready = true;
    emit self->ready();
}

void RedisConnection::onDisconnect(const redisAsyncContext *ac, int status)
{
    RedisConnection *self = owner(ac);
    if (!self || self->m_destroying)
        return;
    self->m_ctx = nullptr;
    self->m_ready = false;
    self->lost(status == REDIS_OK ? "closed" : ac->errstr);
    self->scheduleReconnect();
}

void RedisConnection::lost(const char *why)
{
    m_ready = false;
    if (m_reportedLoss)
        return;
    m_reportedLoss = true;
    qCWarning(lcServer).noquote() << "redis" << m_name << "connection to" << m_config.redisHost << m_config.redisPort
                                  << "lost:" << why << "- reconnecting with back-off";
}

void RedisConnection::scheduleReconnect()
{
    if (m_destroying)
        return;
    m_reconnectTimer.start(m_backoffMs);
    m_backoffMs = qMin(m_backoffMs * 2, maxBackoffMs);
}

void RedisConnection::flush()
{
    if (m_ctx && m_ready)
        redisAsyncHandleWrite(m_ctx); // non-blocking socket: writes what it can and returns
}

bool RedisConnection::send(
    const QList<QByteArray> &args, void (*fn)(redisAsyncContext *, void *, void *), void *privdata)
{
    std::vector<const char *> argv;
    std::vector<size_t> lengths;
    argv.reserve(size_t(args.size()));
    lengths.reserve(size_t(args.size()));
    for (const QByteArray &a : args) {
        argv.push_back(a.constData());
        lengths.push_back(size_t(a.size()));
    }
    return redisAsyncCommandArgv(m_ctx, fn, privdata, int(argv.size()), argv.data(), lengths.data()) == REDIS_OK;
}

bool RedisConnection::command(const QList<QByteArray> &args, ReplyHandler handler)
{
    if (!m_ctx || !m_ready)
        return false;
    auto *h = new ReplyHandler(std::move(handler));
    if (!send(args, &RedisConnection::onReply, h)) {
        delete h;
        return false;
    }
    return true;
}

void RedisConnection::commandWithin(const QList<QByteArray> &args, int timeoutMs, DeadlineHandler handler)
{
    // Whichever comes first, the reply or the deadline, answers; the other finds it done.
    auto pending = std::make_shared<DeadlineHandler>(std::move(handler));
    const auto answer = [pending](redisReply *reply, const char *why) {
        if (DeadlineHandler h = std::exchange(*pending, nullptr))
            h(reply, why);
    };
    const bool sent =
        command(args, [answer](redisReply *reply) { answer(reply, reply ? nullptr : "connection lost"); });
    if (!sent) {
        QTimer::singleShot(0, this, [answer] { answer(nullptr, "not connected"); });
        return;
    }
    QTimer::singleShot(timeoutMs, this, [answer] { answer(nullptr, "timed out"); });
}

bool RedisConnection::subscribe(const QList<QByteArray> &channels, ReplyHandler handler)
{
    if (!m_ctx || !m_ready)
        return false;
    m_pushHandlers.push_back(std::make_unique<ReplyHandler>(std::move(handler)));
    QList<QByteArray> args{QByteArrayLiteral("SUBSCRIBE")};
    args.append(channels);
    return send(args, &RedisConnection::onPushed, m_pushHandlers.back().get());
}

void RedisConnection::onReply(redisAsyncContext *ac, void *reply, void *privdata)
{
    std::unique_ptr<ReplyHandler> handler(static_cast<ReplyHandler *>(privdata));
    RedisConnection *self = owner(ac);
    if (!self || self->m_destroying || !*handler)
        return;
    (*handler)(static_cast<redisReply *>(reply));
}

void RedisConnection::onPushed(redisAsyncContext *ac, void *reply, void *privdata)
{
    RedisConnection *self = owner(ac);
    if (!self || self->m_destroying || !reply)
        return;
    (*static_cast<ReplyHandler *>(privdata))(static_cast<redisReply *>(reply));
}

// hiredis event hooks: one read and one write notifier on the context's fd.
void RedisConnection::addRead(void *data)
{
    auto *self = static_cast<RedisConnection *>(data);
    if (!self->m_read) {
        self->m_read = new QSocketNotifier(self->m_ctx->c.fd, QSocketNotifier::Read, self);
        redisAsyncContext *ctx = self->m_ctx;
        connect(self->m_read, &QSocketNotifier::activated, self, [ctx] { redisAsyncHandleRead(ctx); });
    }
    self->m_read->setEnabled(true);
}

void RedisConnection::delRead(void *data)
{
    auto *self = static_cast<RedisConnection *>(data);
    if (self->m_read)
        self->m_read->setEnabled(false);
}

void RedisConnection::addWrite(void *data)
{
    auto *self = static_cast<RedisConnection *>(data);
    if (!self->m_write) {
        self->m_write = new QSocketNotifier(self->m_ctx->c.fd, QSocketNotifier::Write, self);
        redisAsyncContext *ctx = self->m_ctx;
        connect(self->m_write, &QSocketNotifier::activated, self, [ctx] { redisAsyncHandleWrite(ctx); });
    }
    self->m_write->setEnabled(true);
}

void RedisConnection::delWrite(void *data)
{
    auto *self = static_cast<RedisConnection *>(data);
    if (self->m_write)
        self->m_write->setEnabled(false);
}

void RedisConnection::cleanup(void *data)
{
    // Called while hiredis frees the context, possibly from inside a notifier's own signal.
    auto *self = static_cast<RedisConnection *>(data);
    for (QSocketNotifier **n : {&self->m_read, &self->m_write}) {
        if (*n) {
            (*n)->setEnabled(false);
            (*n)->disconnect();
            if (self->m_destroying)
                delete *n;
            else
                (*n)->deleteLater();
            *n = nullptr;
        }
    }
}

} // namespace qsoketi
