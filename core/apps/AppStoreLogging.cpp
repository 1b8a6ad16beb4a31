// SPDX-License-Identifier: GPL-3.0-or-later
#include "apps/AppStoreLogging.h"

// Debug output is off unless SOKETI_DEBUG is set (the app enables "qsoketi.*.debug=true" then).
Q_LOGGING_CATEGORY(lcAppStore, "qsoketi.apps", QtInfoMsg)
