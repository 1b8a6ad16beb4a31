// SPDX-License-Identifier: GPL-3.0-or-later
#include "ChannelsTab.h"

#include <QHBoxLayout>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTreeView>
#include <QVBoxLayout>

#include "ChannelsModel.h"
#include "ServerActions.h"

namespace qsoketi {

ChannelsTab::ChannelsTab(ChannelsModel *model, ServerActions *actions, QWidget *parent)
    : QWidget(parent)
    , m_model(model)
    , m_actions(actions)
    , m_proxy(new QSortFilterProxyModel(this))
    , m_filter(new QLineEdit(this))
    , m_view(new QTreeView(this))
    , m_disconnect(new QPushButton(tr("Disconnect member"), this))
    , m_terminate(new QPushButton(tr("Terminate user"), this))
    , m_result(new QLabel(this))
{
    m_filter->setPlaceholderText(tr("Filter channels / members"));
    m_filter->setClearButtonEnabled(true);
    m_proxy->setSourceModel(model);
    m_proxy->setRecursiveFilteringEnabled(true);
    m_proxy->setFilterKeyColumn(-1);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_view->setModel(m_proxy);
    m_view->setAlternatingRowColors(true);
    m_view->setUniformRowHeights(true);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setContextMenuPolicy(Qt::CustomContextMenu);
    m_view->setColumnWidth(ChannelsModel::NameColumn, 320);
    m_view->setColumnWidth(ChannelsModel::TypeColumn, 130);
    m_view->setColumnWidth(ChannelsModel::SubscribersColumn, 100);
    m_disconnect->setToolTip(tr("Close this member's connections on this node (4009: clients do not reconnect)"));
    m_terminate->setToolTip(tr("POST /users/{id}/terminate_connections: close the user's signed-in connections "
                               "on every node"));

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_filter, 1);
    buttons->addWidget(m_disconnect);
    buttons->addWidget(m_terminate);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(buttons);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_result);

    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);
    connect(m_disconnect, &QPushButton::clicked, this, &ChannelsTab::disconnectSelectedMember);
    connect(m_terminate, &QPushButton::clicked, this, &ChannelsTab::terminateSelectedUser);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &ChannelsTab::updateButtons);
    connect(m_view, &QWidget::customContextMenuRequested, this, [this](const QPoint &at) {
        if (!selectedMember(nullptr))
            return;
        auto *menu = new QMenu(this); // popup(), not exec(): no nested event loop
        menu->setAttribute(Qt::WA_DeleteOnClose);
        menu->addAction(m_disconnect->text(), this, &ChannelsTab::disconnectSelectedMember);
        menu->addAction(m_terminate->text(), this, &ChannelsTab::terminateSelectedUser);
        menu->popup(m_view->viewport()->mapToGlobal(at));
    });
    // Apps and presence channels start expanded: channels and members are what the user came for.
    // Later collapsing is respected: only rows that just appeared are expanded.
    connect(m_model, &QAbstractItemModel::rowsInserted, m_view, [this](const QModelIndex &parent, int first, int last) {
        for (int row = first; row <= last; ++row) {
            const QModelIndex index = m_model->index(row, ChannelsModel::NameColumn, parent);
            const QString type = m_model->index(row, ChannelsModel::TypeColumn, parent).data().toString();
            if (!parent.isValid() || type.endsWith(QLatin1String("presence")))
                m_view->expand(m_proxy->mapFromSource(index));
        }
    });
    updateButtons();
}

bool ChannelsTab::selectedMember(Member *member) const
{
    const QModelIndex index = m_proxy->mapToSource(m_view->currentIndex());
    if (!index.isValid() || !index.parent().isValid() || !index.parent().parent().isValid())
        return false;
    if (m_model->index(index.row(), ChannelsModel::TypeColumn, index.parent()).data().toString()
        != QLatin1String("member"))
        return false;
    if (member) {
        member->userId = m_model->index(index.row(), ChannelsModel::NameColumn, index.parent()).data().toString();
        member->channel = index.parent().siblingAtColumn(ChannelsModel::NameColumn).data().toString();
        member->appId = index.parent().parent().siblingAtColumn(ChannelsModel::NameColumn).data().toString();
    }
    return true;
}

bool ChannelsTab::selectMember(const QString &appId, const QString &channel, const QString &userId)
{
    const auto find = [this](const QModelIndex &parent, const QString &name) {
        for (int row = 0; row < m_model->rowCount(parent); ++row) {
            const QModelIndex index = m_model->index(row, ChannelsModel::NameColumn, parent);
            if (index.data().toString() == name)
                return index;
        }
        return QModelIndex();
    };
    const QModelIndex member = find(find(find({}, appId), channel), userId);
    if (!member.isValid() || !member.parent().isValid())
        return false;
    m_view->setCurrentIndex(m_proxy->mapFromSource(member));
    return selectedMember(nullptr);
}

void ChannelsTab::updateButtons()
{
    const bool member = selectedMember(nullptr);
    m_disconnect->setEnabled(member);
    m_terminate->setEnabled(member);
}

void ChannelsTab::report(const QString &message)
{
    m_result->setText(message);
    emit actionDone(message);
}

void ChannelsTab::disconnectSelectedMember()
{
    Member m;
    if (!selectedMember(&m))
        return;
    m_actions->disconnectMember(m.appId, m.channel, m.userId, [this, m](int closed) {
        report(closed < 0 ? tr("App %1 has no connection here.").arg(m.appId)
                          : tr("Disconnected %n connection(s) of %1 on %2.", nullptr, closed).arg(m.userId, m.channel));
    });
}

void ChannelsTab::terminateSelectedUser()
{
    Member m;
    if (!selectedMember(&m))
        return;
    m_actions->terminateUser(m.appId, m.userId, [this, m](int result) {
        report(result < 0 ? tr("App %1 is unknown or disabled.").arg(m.appId)
                          : tr("Terminated the signed-in connections of user %1 (all nodes).").arg(m.userId));
    });
}

} // namespace qsoketi
