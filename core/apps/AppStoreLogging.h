// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QLoggingCategory>

// "qsoketi.apps": app store connections, lookups and changes (never a secret).
Q_DECLARE_LOGGING_CATEGORY(lcAppStore)
