// SPDX-License-Identifier: GPL-3.0-or-later
#include "AppsWidget.h"

#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include "AppDetailsPanel.h"
#include "AppEditDialog.h"
#include "AppsTableModel.h"

namespace qsoketi {

namespace {

QString sentence(QString text)
{
    if (!text.isEmpty())
        text[0] = text[0].toUpper();
    return text;
}

} // namespace

AppsWidget::AppsWidget(AppDirectory &directory, QWidget *parent)
    : QWidget(parent)
    , m_directory(directory)
    , m_model(new AppsTableModel(this))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_view(new QTableView(this))
    , m_details(new AppDetailsPanel(this))
    , m_source(new QLabel(this))
    , m_readOnly(new QLabel(this))
    , m_status(new QLabel(this))
    , m_filter(new QLineEdit(this))
    , m_refresh(new QPushButton(QStringLiteral("Refresh"), this))
    , m_add(new QPushButton(QStringLiteral("Add…"), this))
    , m_edit(new QPushButton(QStringLiteral("Edit…"), this))
    , m_rotate(new QPushButton(QStringLiteral("Rotate secret…"), this))
    , m_toggle(new QPushButton(QStringLiteral("Disable"), this))
    , m_remove(new QPushButton(QStringLiteral("Remove…"), this))
{
    m_source->setText(QStringLiteral("App store: %1.").arg(directory.description().toHtmlEscaped()));
    m_source->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_readOnly->setText(
        QStringLiteral("%1. Until then, changing these apps means editing the config and restarting the server.")
            .arg(sentence(AppDirectory::readOnlyMessage()).toHtmlEscaped()));
    m_readOnly->setWordWrap(true);
    m_readOnly->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_readOnly->setStyleSheet(
        QStringLiteral("QLabel { background: #fff8e1; color: #5d4037; border: 1px solid #ffcc80; padding: 6px; }"));
    m_readOnly->setVisible(!directory.isWritable());
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_filter->setPlaceholderText(QStringLiteral("Filter (id or key)"));
    m_filter->setClearButtonEnabled(true);
    m_add->setToolTip(QStringLiteral("A new app; id, key and secret are generated unless given"));
    m_rotate->setToolTip(QStringLiteral("A new secret, the old one valid for a grace period you choose"));
    m_toggle->setToolTip(QStringLiteral("A disabled app refuses new connections (4003) and API calls, and its "
                                        "open connections are closed"));

    m_proxy->setSourceModel(m_model);
    m_proxy->setFilterKeyColumn(-1);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(AppsTableModel::IdColumn, Qt::AscendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setAlternatingRowColors(true);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(true);
    auto *bar = new QHBoxLayout;
    bar->addWidget(m_refresh);
    bar->addSpacing(12);
    for (QPushButton *button : {m_add, m_edit, m_rotate, m_toggle, m_remove}) {
        bar->addWidget(button);
        button->setVisible(directory.isWritable());
    }
    bar->addStretch(1);
    bar->addWidget(m_filter);
    // The list above, full width so that every column shows; the selected app's fields below it.
    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(m_view);
    splitter->addWidget(m_details);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    splitter->setSizes({260, 440});
    splitter->setChildrenCollapsible(false);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_source);
    layout->addWidget(m_readOnly);
    layout->addLayout(bar);
    layout->addWidget(splitter, 1);
    layout->addWidget(m_status);

    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, &AppsWidget::showSelected);
    connect(m_view, &QTableView::doubleClicked, this, [this] {
        if (m_directory.isWritable())
            openEditDialog();
    });
    connect(m_refresh, &QPushButton::clicked, this, &AppsWidget::refresh);
    connect(m_add, &QPushButton::clicked, this, &AppsWidget::openAddDialog);
    connect(m_edit, &QPushButton::clicked, this, &AppsWidget::openEditDialog);
    connect(m_rotate, &QPushButton::clicked, this, &AppsWidget::openRotateDialog);
    connect(m_remove, &QPushButton::clicked, this, &AppsWidget::confirmRemove);
    connect(m_toggle, &QPushButton::clicked, this, [this] {
        if (const AppPtr app = m_model->find(selectedId()))
            setAppEnabled(app->id, !app->enabled);
    });
    connect(m_details, &AppDetailsPanel::copied, this, [this](const QString &what) { report(what, false); });
    // Changes seen by the directory (writes from here, or the store re-read) land in place.
    connect(&directory, &AppDirectory::appChanged, this, [this](const AppPtr &app) {
        ++m_changes;
        m_model->upsert(app);
        showSelected();
    });
    connect(&directory, &AppDirectory::appRemoved, this, [this](const QString &id) {
        ++m_changes;
        m_model->remove(id);
        showSelected();
    });
    updateButtons();
    refresh();
}

void AppsWidget::setServerAddress(const QString &host, quint16 port, bool tls)
{
    m_details->setServerAddress(host, port, tls);
}

void AppsWidget::showEvent(QShowEvent *event)
{
    // Another process (`qsoketi apps`, a second server) may have changed the store while the tab was hidden.
    refresh();
    QWidget::showEvent(event);
}

void AppsWidget::refresh()
{
    if (m_listing) {
        m_listAgain = true;
        return;
    }
    m_listing = true;
    m_directory.list(
        [this, changes = m_changes](const AppStoreReply &reply) {
            m_listing = false;
            if (reply.ok() && changes != m_changes) {
                // The list was read before a change shown since (the signals come sooner than this answer):
                // it would undo that change on screen. A list asked for now includes it.
                refresh();
                return;
            }
            QString message;
            if (reply.ok()) {
                const QString selected = selectedId();
                m_model->setApps(reply.apps);
                m_view->resizeColumnsToContents();
                selectApp(selected);
                message = QStringLiteral("%1 app(s), read %2.")
                              .arg(reply.apps.size())
                              .arg(QDateTime::currentDateTime().toString(QStringLiteral("HH:mm:ss")));
            } else {
                message = QStringLiteral("Could not read the apps: %1").arg(reply.error);
            }
            report(message, !reply.ok());
            emit operationFinished(reply.ok(), message);
            if (m_listAgain) {
                m_listAgain = false;
                refresh();
            }
        },
        this);
}

AppDirectory::ReplyCallback AppsWidget::whenDone(const QString &done, const QString &removedId)
{
    ++m_pending;
    report(QStringLiteral("Working…"), false);
    updateButtons();
    return [this, done, removedId](const AppStoreReply &reply) {
        --m_pending;
        QString message;
        if (reply.ok()) {
            ++m_changes;
            if (!removedId.isEmpty())
                m_model->remove(removedId);
            for (const AppPtr &app : reply.apps)
                m_model->upsert(app);
            if (const AppPtr app = reply.first())
                selectApp(app->id);
            message =
                done.contains(QLatin1String("%1")) ? done.arg(reply.first() ? reply.first()->id : removedId) : done;
        } else {
            message = reply.error.isEmpty() ? QStringLiteral("The app store refused.") : sentence(reply.error);
        }
        showSelected();
        report(message, !reply.ok());
        updateButtons();
        emit operationFinished(reply.ok(), message);
    };
}

void AppsWidget::addApp(const QJsonObject &fields)
{
    m_directory.add(fields,
        whenDone(QStringLiteral("Added app %1. Show secrets reveals its secret; Copy .env lines copies all three.")),
        this);
}

void AppsWidget::updateApp(const QString &id, const QJsonObject &changes)
{
    m_directory.update(id, changes, whenDone(QStringLiteral("Saved app %1.")), this);
}

void AppsWidget::rotateSecret(const QString &id, int graceSeconds)
{
    const QString done = graceSeconds > 0
        ? QStringLiteral("Rotated the secret of %1; the old one stays valid for %2 s.").arg(id).arg(graceSeconds)
        : QStringLiteral("Rotated the secret of %1; the old one no longer works.").arg(id);
    m_directory.rotateSecret(id, graceSeconds, whenDone(done), this);
}

void AppsWidget::setAppEnabled(const QString &id, bool enabled)
{
    m_directory.setEnabled(id, enabled,
        whenDone(enabled ? QStringLiteral("Enabled app %1.")
                         : QStringLiteral("Disabled app %1: its clients are refused and disconnected.")),
        this);
}

void AppsWidget::removeApp(const QString &id)
{
    m_directory.remove(id, whenDone(QStringLiteral("Removed app %1."), id), this);
}

void AppsWidget::openAddDialog()
{
    auto *dialog = new AppEditDialog(nullptr, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &AppEditDialog::submitted, this, &AppsWidget::addApp);
    dialog->open();
}

void AppsWidget::openEditDialog()
{
    const AppPtr app = m_model->find(selectedId());
    if (!app)
        return;
    auto *dialog = new AppEditDialog(app, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &AppEditDialog::submitted, this,
        [this, id = app->id](const QJsonObject &changes) { updateApp(id, changes); });
    dialog->open();
}

void AppsWidget::openRotateDialog()
{
    const QString id = selectedId();
    if (id.isEmpty())
        return;
    auto *dialog = new QInputDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(QStringLiteral("Rotate the secret of %1").arg(id));
    dialog->setInputMode(QInputDialog::IntInput);
    dialog->setLabelText(QStringLiteral("A new secret is generated. Seconds the old secret keeps working, so that "
                                        "back ends can switch over\n(0: it stops working at once):"));
    dialog->setIntRange(0, 30 * 24 * 3600);
    dialog->setIntValue(0);
    dialog->setOkButtonText(QStringLiteral("Rotate secret"));
    connect(dialog, &QInputDialog::intValueSelected, this, [this, id](int grace) { rotateSecret(id, grace); });
    dialog->open();
}

void AppsWidget::confirmRemove()
{
    const AppPtr app = m_model->find(selectedId());
    if (!app)
        return;
    auto *box = new QMessageBox(QMessageBox::Warning, QStringLiteral("Remove app %1").arg(app->id),
        QStringLiteral("Remove app %1 (key %2) from the store? Its clients are refused from now on; "
                       "this cannot be undone (Disable can).")
            .arg(app->id, app->key),
        QMessageBox::Cancel, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    QPushButton *remove = box->addButton(QStringLiteral("Remove"), QMessageBox::DestructiveRole);
    box->setDefaultButton(QMessageBox::Cancel);
    connect(box, &QMessageBox::buttonClicked, this, [this, remove, id = app->id](QAbstractButton *button) {
        if (button == remove)
            removeApp(id);
    });
    box->open();
}

void AppsWidget::selectApp(const QString &id)
{
    const int row = m_model->rowOf(id);
    if (row < 0) {
        m_view->clearSelection();
        return;
    }
    const QModelIndex index = m_proxy->mapFromSource(m_model->index(row, 0));
    if (!index.isValid())
        return; // filtered out
    m_view->selectionModel()->select(
        index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows | QItemSelectionModel::Current);
    m_view->scrollTo(index);
}

QString AppsWidget::selectedId() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.first().data(AppsTableModel::IdRole).toString();
}

void AppsWidget::showSelected()
{
    m_details->setApp(m_model->find(selectedId()));
    updateButtons();
}

void AppsWidget::updateButtons()
{
    const AppPtr app = m_model->find(selectedId());
    const bool ready = app && m_pending == 0;
    m_add->setEnabled(m_pending == 0);
    m_edit->setEnabled(ready);
    m_rotate->setEnabled(ready);
    m_toggle->setEnabled(ready);
    m_remove->setEnabled(ready);
    m_toggle->setText(app && !app->enabled ? QStringLiteral("Enable") : QStringLiteral("Disable"));
}

void AppsWidget::report(const QString &message, bool error)
{
    m_status->setText(message);
    m_status->setStyleSheet(error ? QStringLiteral("color: #c62828") : QString());
}

} // namespace qsoketi
