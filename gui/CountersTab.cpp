// SPDX-License-Identifier: GPL-3.0-or-later
#include "CountersTab.h"

#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

#include "CountersTableModel.h"

namespace qsoketi {

CountersTab::CountersTab(CountersTableModel *model, QWidget *parent)
    : QWidget(parent)
{
    QWidget *page = this;
    auto *layout = new QVBoxLayout(page);
    auto *filter = new QLineEdit(page);
    filter->setPlaceholderText(tr("Filter metrics (name or labels)"));
    filter->setClearButtonEnabled(true);
    auto *proxy = new QSortFilterProxyModel(page);
    proxy->setSourceModel(model);
    proxy->setFilterKeyColumn(-1);
    proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    auto *view = new QTableView(page);
    view->setModel(proxy);
    view->verticalHeader()->hide();
    view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 6);
    view->setAlternatingRowColors(true);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->horizontalHeader()->setStretchLastSection(true);
    view->setColumnWidth(CountersTableModel::MetricColumn, 330);
    view->setColumnWidth(CountersTableModel::LabelsColumn, 260);
    view->setColumnWidth(CountersTableModel::ValueColumn, 140);
    connect(filter, &QLineEdit::textChanged, proxy, &QSortFilterProxyModel::setFilterFixedString);
    layout->addWidget(new QLabel(tr("Every family and series exactly as a scrape of /metrics returns it "
                                    "now (hover a row for its HELP text)."),
        page));
    layout->addWidget(filter);
    layout->addWidget(view, 1);
}

} // namespace qsoketi
