// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <functional>
#include <memory>

#include <QObject>
#include <QThread>

#include "apps/AppStoreConfig.h"
#include "apps/AppStoreReply.h"

namespace qsoketi {

class SqlAppStore;

// The database side of AppDirectory: a thread of its own that runs store operations one at a time, in
// the order posted, so no database call ever runs on a server event loop. After a failed connect it
// answers `unavailable` at once for a growing pause (250 ms up to 5 s) instead of making every queued
// lookup wait for its own connect timeout, and logs one line when the database goes away and one when it
// is back.
class AppStoreWorker final : public QObject
{
    Q_OBJECT

public:
    using Operation = std::function<AppStoreReply(SqlAppStore &store)>;
    using ReplyHandler = std::function<void(const AppStoreReply &reply)>;

    explicit AppStoreWorker(const AppStoreConfig &config, QObject *parent = nullptr);
    // Waits for the operation in progress (bounded by the driver's timeouts); queued ones are dropped.
    ~AppStoreWorker() override;
    Q_DISABLE_COPY_MOVE(AppStoreWorker)

    // Runs operation on the worker thread, then onReply on replyTo's thread (not at all once replyTo is
    // gone). An operation still queued at deadlineMs (ms since the epoch; 0 = none) is not run: its
    // reply is an error without `unavailable`.
    void post(Operation operation, QObject *replyTo, ReplyHandler onReply, qint64 deadlineMs = 0);

private:
    AppStoreReply run(const Operation &operation); // on the worker thread

    AppStoreConfig m_config;
    QThread m_thread;
    QObject *m_threadContext = nullptr; // lives on m_thread: where posted operations run

    // Used on m_thread only.
    std::unique_ptr<SqlAppStore> m_store;
    bool m_down = false;
    int m_pauseMs = 0;
    qint64 m_retryAtMs = 0;
};

} // namespace qsoketi
