// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QIcon>

namespace qsoketi {

// The application icon (resources/icons, also installed into the hicolor theme by the package) for the
// window, the tray and the desktop entry. PNG sizes, so no SVG image plugin is needed.
class AppIcon final
{
public:
    static QIcon icon();
    static QPixmap pixmap(int size);
};

} // namespace qsoketi
