// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <utility>

#include <QMetaObject>
#include <QObject>
#include <QThread>

#include "threading/HappensBefore.h"

namespace qsoketi {

// QMetaObject::invokeMethod with a functor, plus what ThreadSanitizer needs to see the queue it goes
// through (HappensBefore): the calls that hand work to another thread's event loop go through here.
// The sync address is the receiving thread's event queue (its QThread): a post to a thread is ordered
// before every event that thread takes from its queue later, which is what the queue's mutex guarantees.
// Built without TSan, post() and call() are exactly invokeMethod: nothing is wrapped or added.
class ThreadHandOff final
{
public:
    ThreadHandOff() = delete;

    // Runs `work` on `receiver`'s thread as invokeMethod(receiver, work, type) does (type: Auto, Queued or
    // Direct; Auto calls directly when `receiver` lives on this thread).
    template <typename Work>
    static bool post(QObject *receiver, Work work, Qt::ConnectionType type = Qt::AutoConnection)
    {
#ifdef QSOKETI_TSAN_ACTIVE
        return QMetaObject::invokeMethod(receiver, Posted<Work>(receiver->thread(), std::move(work)), type);
#else
        return QMetaObject::invokeMethod(receiver, std::move(work), type);
#endif
    }

    // Runs `work` on `receiver`'s thread and returns when it has run (BlockingQueuedConnection: never for
    // an object of this thread). What `work` did happens before what follows: the caller waits on a
    // semaphore TSan cannot see either, so the way back is marked too, on a token of this call.
    template <typename Work> static bool call(QObject *receiver, Work work)
    {
#ifndef QSOKETI_TSAN_ACTIVE
        return QMetaObject::invokeMethod(receiver, std::move(work), Qt::BlockingQueuedConnection);
#else
        const char token = 0;
        const void *back = &token;
        const bool invoked = QMetaObject::invokeMethod(receiver,
            Posted(receiver->thread(),
                [back, work = std::move(work)]() mutable {
                    work();
                    HappensBefore::releaseTo(back);
                }),
            Qt::BlockingQueuedConnection);
        HappensBefore::acquireFrom(back);
        return invoked;
#endif
    }

private:
    // The functor that travels. invokeMethod moves it into the slot object it posts, so the release is
    // made by each copy or move: the last one, into the slot object, is the last write before the post.
    // The receiving side acquires from the queue of the thread it runs on before it reads any member.
    template <typename Work> class Posted
    {
    public:
        Posted(const QThread *queue, Work work)
            : m_queue(queue)
            , m_work(std::move(work))
        {
            HappensBefore::releaseTo(m_queue);
        }
        Posted(const Posted &other)
            : m_queue(other.m_queue)
            , m_work(other.m_work)
        {
            HappensBefore::releaseTo(m_queue);
        }
        Posted(Posted &&other) noexcept
            : m_queue(other.m_queue)
            , m_work(std::move(other.m_work))
        {
            HappensBefore::releaseTo(m_queue);
        }
        Posted &operator=(const Posted &) = delete;
        Posted &operator=(Posted &&) = delete;
        // Qt frees the slot object when its last reference goes, which may be the posting thread's after
        // the receiver ran it (an atomic count inside libQt6Core, not seen either): the run is released
        // to this object and its destruction acquires it.
        ~Posted() { HappensBefore::acquireFrom(this); }

        void operator()()
        {
            HappensBefore::acquireFrom(QThread::currentThread());
            m_work();
            HappensBefore::releaseTo(this);
        }

    private:
        const QThread *m_queue; // only read by the posting thread
        Work m_work;
    };
};

} // namespace qsoketi
