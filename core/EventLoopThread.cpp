// SPDX-License-Identifier: GPL-3.0-or-later
#include "EventLoopThread.h"

#include "eventloop/EpollEventDispatcher.h"
#include "threading/ThreadHandOff.h"

namespace qsoketi {

EventLoopThread::EventLoopThread(const QString &name)
    : m_anchor(std::make_unique<QObject>())
{
    m_thread.setObjectName(name);
    m_thread.setEventDispatcher(new EpollEventDispatcher); // the thread owns it
    m_anchor->moveToThread(&m_thread);
    m_thread.start();
}

EventLoopThread::~EventLoopThread()
{
    m_thread.quit();
    m_thread.wait();
}

void EventLoopThread::call(const std::function<void()> &work)
{
    ThreadHandOff::call(m_anchor.get(), work);
}

} // namespace qsoketi
