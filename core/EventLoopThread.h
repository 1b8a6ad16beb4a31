// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <functional>
#include <memory>

#include <QString>
#include <QThread>

namespace qsoketi {

// A started thread running qsoketi's epoll event dispatcher, and a way to run code on it and wait:
// what objects that must live on that thread are made and destroyed with. Quits and joins the thread
// when destroyed (whatever was made on it must be gone by then).
class EventLoopThread final
{
public:
    explicit EventLoopThread(const QString &name);
    ~EventLoopThread();
    Q_DISABLE_COPY_MOVE(EventLoopThread)

    // Runs `work` on the thread and returns when it has run.
    void call(const std::function<void()> &work);
    QThread *thread() { return &m_thread; }

private:
    QThread m_thread;
    std::unique_ptr<QObject> m_anchor; // lives on m_thread: queued calls run there
};

} // namespace qsoketi
