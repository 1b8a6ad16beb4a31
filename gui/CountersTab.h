// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QWidget>

namespace qsoketi {

class CountersTableModel;

// The Counters tab: every family and series of the last snapshot, as /metrics would print it, filterable.
class CountersTab : public QWidget
{
    Q_OBJECT

public:
    explicit CountersTab(CountersTableModel *model, QWidget *parent = nullptr);
};

} // namespace qsoketi
