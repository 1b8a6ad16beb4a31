// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QSystemTrayIcon>

class QMenu;

namespace qsoketi {

// System-tray icon showing the number of connected sockets (drawn into the icon and in the tooltip).
class TrayIcon : public QSystemTrayIcon
{
    Q_OBJECT

public:
    explicit TrayIcon(QObject *parent = nullptr);
    // A shown tray icon that brings `window` back when clicked; nullptr where there is no system tray.
    static TrayIcon *createFor(QWidget *window);
    ~TrayIcon() override;

    void setConnectionCount(int count);
    int connectionCount() const { return m_count; }
    static QIcon renderIcon(int count);

signals:
    void showDashboardRequested();

private:
    int m_count = -1;
    QMenu *m_menu;
};

} // namespace qsoketi
