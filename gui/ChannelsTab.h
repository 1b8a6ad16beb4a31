// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QWidget>

class QLabel;
class QLineEdit;
class QPushButton;
class QSortFilterProxyModel;
class QTreeView;

namespace qsoketi {

class ChannelsModel;
class ServerActions;

// The Channels tab: the live tree of apps → channels → presence members, filterable, with the two things
// a developer does to a misbehaving member: disconnect its sockets here, or terminate the user (the path of
// the REST terminate_connections call: the user's signed-in connections on every node).
class ChannelsTab : public QWidget
{
    Q_OBJECT

public:
    ChannelsTab(ChannelsModel *model, ServerActions *actions, QWidget *parent = nullptr);

    QTreeView *view() const { return m_view; }
    QSortFilterProxyModel *proxy() const { return m_proxy; }
    QPushButton *disconnectButton() const { return m_disconnect; }
    QPushButton *terminateButton() const { return m_terminate; }
    QLabel *resultLabel() const { return m_result; }

    // Selects the member row of (app, channel, user); false if it is not in the tree.
    bool selectMember(const QString &appId, const QString &channel, const QString &userId);
    void disconnectSelectedMember();
    void terminateSelectedUser();

signals:
    void actionDone(const QString &message);

private:
    struct Member
    {
        QString appId;
        QString channel;
        QString userId;
    };
    bool selectedMember(Member *member) const;
    void updateButtons();
    void report(const QString &message);

    ChannelsModel *m_model;
    ServerActions *m_actions;
    QSortFilterProxyModel *m_proxy;
    QLineEdit *m_filter;
    QTreeView *m_view;
    QPushButton *m_disconnect;
    QPushButton *m_terminate;
    QLabel *m_result;
};

} // namespace qsoketi
