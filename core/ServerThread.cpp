// SPDX-License-Identifier: GPL-3.0-or-later
#include "ServerThread.h"

#include "ServerCore.h"
#include "eventloop/EpollEventDispatcher.h"
#include "threading/ThreadHandOff.h"

namespace qsoketi {

ServerThread::ServerThread()
    : m_anchor(std::make_unique<QObject>())
{
    m_thread.setObjectName(QStringLiteral("qsoketi server"));
    m_thread.setEventDispatcher(new EpollEventDispatcher); // the thread owns it
    m_anchor->moveToThread(&m_thread);
    m_thread.start();
}

ServerThread::~ServerThread()
{
    if (m_core)
        ThreadHandOff::call(m_anchor.get(), [this] { m_core.reset(); });
    m_thread.quit();
    m_thread.wait();
}

bool ServerThread::start(const ServerConfig &config, QString *error)
{
    bool started = false;
    ThreadHandOff::call(m_anchor.get(), [this, &config, error, &started] {
        m_core = std::make_unique<ServerCore>(config);
        started = m_core->start(error);
        if (!started)
            m_core.reset();
    });
    return started;
}

} // namespace qsoketi
