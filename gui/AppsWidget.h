// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QWidget>

#include "apps/AppDirectory.h"

class QLabel;
class QLineEdit;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;

namespace qsoketi {

class AppDetailsPanel;
class AppsTableModel;

// The dashboard's Apps tab: the apps of the app store (AppDirectory) with every field, copy buttons and
// secrets hidden until asked; for the SQL stores also Add, Edit, Rotate secret, Disable/Enable and
// Remove. Every store call is asynchronous (the directory's worker thread): the window never waits for a
// database, and the store's errors appear in the tab's status line. For the read-only array driver the
// list is shown with an explanation of where those apps come from and how to manage them here instead.
class AppsWidget : public QWidget
{
    Q_OBJECT

public:
    explicit AppsWidget(AppDirectory &directory, QWidget *parent = nullptr);

    // Where clients reach this server, for the copied snippets.
    void setServerAddress(const QString &host, quint16 port, bool tls);

    // Reads the list again (also when the tab is shown, and on the Refresh button).
    void refresh();
    // What the buttons do once their dialogs are confirmed.
    void addApp(const QJsonObject &fields);
    void updateApp(const QString &id, const QJsonObject &changes);
    void rotateSecret(const QString &id, int graceSeconds);
    void setAppEnabled(const QString &id, bool enabled);
    void removeApp(const QString &id);

    void selectApp(const QString &id);
    QString selectedId() const;
    // Store calls sent and not answered yet.
    int pendingOperations() const { return m_pending; }

    AppsTableModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    AppDetailsPanel *details() const { return m_details; }
    QLabel *statusLabel() const { return m_status; }
    QLabel *readOnlyLabel() const { return m_readOnly; }
    QLineEdit *filterEdit() const { return m_filter; }
    QPushButton *refreshButton() const { return m_refresh; }
    QPushButton *addButton() const { return m_add; }
    QPushButton *editButton() const { return m_edit; }
    QPushButton *rotateButton() const { return m_rotate; }
    QPushButton *enableButton() const { return m_toggle; }
    QPushButton *removeButton() const { return m_remove; }

signals:
    // A store call (list or write) answered; message is what the status line shows.
    void operationFinished(bool ok, const QString &message);

protected:
    void showEvent(QShowEvent *event) override;

private:
    void openAddDialog();
    void openEditDialog();
    void openRotateDialog();
    void confirmRemove();
    // Counts the call as pending; the callback shows the outcome (success: done, %1 = the app's id).
    AppDirectory::ReplyCallback whenDone(const QString &done, const QString &removedId = {});
    void showSelected();
    void updateButtons();
    void report(const QString &message, bool error);

    AppDirectory &m_directory;
    AppsTableModel *m_model;
    QSortFilterProxyModel *m_proxy;
    QTableView *m_view;
    AppDetailsPanel *m_details;
    QLabel *m_source;
    QLabel *m_readOnly;
    QLabel *m_status;
    QLineEdit *m_filter;
    QPushButton *m_refresh;
    QPushButton *m_add;
    QPushButton *m_edit;
    QPushButton *m_rotate;
    QPushButton *m_toggle;
    QPushButton *m_remove;
    int m_pending = 0;
    bool m_listing = false; // a list() is on its way: another refresh waits for it
    bool m_listAgain = false;
    // Counts changes applied in place (signals, write answers): a list read before one of them is stale.
    quint64 m_changes = 0;
};

} // namespace qsoketi
