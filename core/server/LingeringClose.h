// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>
#include <QTimer>

class QAbstractSocket;
class QSocketNotifier;

namespace qsoketi {

// A close that the client sees even while it is still sending. Closing a TCP socket whose receive queue
// holds unread bytes makes the kernel answer with a reset, which can overtake our close frame: a client
// refused for a message over the size cap saw 1006 instead of 1009 (issue 12). Armed when Qt closes the
// socket, this keeps a duplicate of its descriptor: Qt's close then sends nothing, and here the write side
// is shut once Qt has written everything (FIN after the close frame), and what the client still sends is
// read and dropped until it closes too, for at most maxDurationMs or maxDrainBytes.
class LingeringClose : public QObject
{
    Q_OBJECT

public:
    static constexpr int maxDurationMs = 2000;
    static constexpr qint64 maxDrainBytes = 8 * 1024 * 1024;

    // Call when Qt is about to close `socket` (its aboutToClose signal); plain TCP only. `owner` outlives
    // the socket and holds the lingering close until it ends.
    static void start(QAbstractSocket *socket, QObject *owner);
    ~LingeringClose() override;

private:
    LingeringClose(int fd, QObject *owner);
    void shutDownWrite();
    void drain();
    void finish();

    int m_fd;
    bool m_writeShut = false;
    qint64 m_drained = 0;
    QSocketNotifier *m_notifier; // child
    QTimer m_deadline;
};

} // namespace qsoketi
