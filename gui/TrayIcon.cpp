// SPDX-License-Identifier: GPL-3.0-or-later
#include "TrayIcon.h"

#include <QFont>
#include <QMenu>
#include <QPainter>
#include <QPixmap>
#include <QWidget>

#include "AppIcon.h"

namespace qsoketi {

TrayIcon::TrayIcon(QObject *parent)
    : QSystemTrayIcon(parent)
    , m_menu(new QMenu)
{
    m_menu->addAction(tr("Show dashboard"), this, &TrayIcon::showDashboardRequested);
    setContextMenu(m_menu);
    connect(this, &QSystemTrayIcon::activated, this, [this](ActivationReason reason) {
        if (reason == Trigger || reason == DoubleClick)
            emit showDashboardRequested();
    });
    setConnectionCount(0);
}

TrayIcon::~TrayIcon()
{
    delete m_menu; // a context menu is not owned by the tray icon
}

QIcon TrayIcon::renderIcon(int count)
{
    // The application icon with the connection count on a badge along its lower edge.
    QPixmap pixmap = AppIcon::pixmap(64);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    const QString text = count > 999 ? QStringLiteral("%1k").arg(qMin(count / 1000, 99)) : QString::number(count);
    const QRectF badge(4, 34, 56, 28);
    painter.setPen(Qt::NoPen);
    painter.setBrush(QColor(0x1f, 0x14, 0x4d, 0xe6));
    painter.drawRoundedRect(badge, 9, 9);
    painter.setPen(Qt::white);
    QFont font;
    font.setBold(true);
    font.setPixelSize(text.size() > 2 ? 20 : 24);
    painter.setFont(font);
    painter.drawText(badge, Qt::AlignCenter, text);
    return QIcon(pixmap);
}

TrayIcon *TrayIcon::createFor(QWidget *window)
{
    if (!QSystemTrayIcon::isSystemTrayAvailable())
        return nullptr;
    auto *tray = new TrayIcon(window);
    connect(tray, &TrayIcon::showDashboardRequested, window, [window] {
        window->showNormal();
        window->raise();
        window->activateWindow();
    });
    tray->show();
    return tray;
}

void TrayIcon::setConnectionCount(int count)
{
    if (count == m_count)
        return;
    m_count = count;
    setIcon(renderIcon(count));
    setToolTip(QStringLiteral("qsoketi: %1 connected socket(s)").arg(count));
}

} // namespace qsoketi
