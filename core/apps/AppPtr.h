// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <memory>

#include <QMetaType>

#include "apps/App.h"

namespace qsoketi {

// An app as the store last returned it. Immutable and shared: a connection keeps the copy it was accepted
// with while the directory swaps in newer ones (appChanged).
using AppPtr = std::shared_ptr<const App>;

} // namespace qsoketi

Q_DECLARE_METATYPE(qsoketi::AppPtr)
