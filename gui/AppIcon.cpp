// SPDX-License-Identifier: GPL-3.0-or-later
#include "AppIcon.h"

#include <QPixmap>

// Resources of a static library are only registered when something references their initializer.
static void initResources()
{
    Q_INIT_RESOURCE(qsoketi);
}

namespace qsoketi {

QIcon AppIcon::icon()
{
    initResources();
    QIcon icon;
    for (const int size : {16, 24, 32, 48, 64, 128, 256})
        icon.addFile(QStringLiteral(":/qsoketi/icons/hicolor/%1x%1/qsoketi.png").arg(size), QSize(size, size));
    return icon;
}

QPixmap AppIcon::pixmap(int size)
{
    return icon().pixmap(size, size);
}

} // namespace qsoketi
