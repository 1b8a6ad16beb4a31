// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QLabel>

namespace qsoketi {

class ServerCore;

// The first-start banner above the dashboard's tabs, "No clients yet — copy the snippet from the Server
// tab", with the ws:// URL a Pusher client dials; the window shows it while the server has no connection.
class EmptyStateBanner : public QLabel
{
    Q_OBJECT

public:
    explicit EmptyStateBanner(const ServerCore &core, QWidget *parent = nullptr);

    // The URL a Pusher client of the server's first app dials.
    static QString clientUrl(const ServerCore &core);
    // A page with this banner above `content`.
    QWidget *above(QWidget *content, QWidget *parent);

signals:
    void serverTabRequested();
};

} // namespace qsoketi
