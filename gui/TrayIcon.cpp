// SPDX-License-Identifier: GPL-3.0-or-later
#include "TrayIcon.h"

#include <QFont>
#include <QMenu>
#include <QPainter>
#include <QPixmap>

namespace qsoketi {

TrayIcon::TrayIcon(QObject *parent)
    : QSystemTrayIcon(parent)
    , m_menu(new QMenu)
{
    m_menu->addAction(QStringLiteral("Show dashboard"), this, &TrayIcon::showDashboardRequested);
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
    QPixmap pixmap(64, 64);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setBrush(QColor(0x5b, 0x3c, 0xc4));
    painter.setPen(Qt::NoPen);
    painter.drawRoundedRect(QRectF(2, 2, 60, 60), 14, 14);
    painter.setPen(Qt::white);
    QFont font;
    font.setBold(true);
    const QString text = count > 999 ? QStringLiteral("%1k").arg(qMin(count / 1000, 99)) : QString::number(count);
    font.setPixelSize(text.size() > 2 ? 24 : 34);
    painter.setFont(font);
    painter.drawText(pixmap.rect(), Qt::AlignCenter, text);
    return QIcon(pixmap);
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
