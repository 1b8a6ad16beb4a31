// SPDX-License-Identifier: GPL-3.0-or-later
#include "ActivityConsoleWidget.h"

#include <QComboBox>
#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QSplitter>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

#include "ActivityFilterProxyModel.h"
#include "ActivityLogModel.h"
#include "PayloadText.h"

namespace qsoketi {

ActivityConsoleWidget::ActivityConsoleWidget(QWidget *parent)
    : QWidget(parent)
    , m_model(new ActivityLogModel(ActivityLogModel::defaultMaxRows, this))
    , m_proxy(new ActivityFilterProxyModel(m_model, this))
    , m_app(new QComboBox(this))
    , m_kind(new QComboBox(this))
    , m_trace(new QLineEdit(this))
    , m_channel(new QLineEdit(this))
    , m_event(new QLineEdit(this))
    , m_text(new QLineEdit(this))
    , m_pause(new QToolButton(this))
    , m_clear(new QToolButton(this))
    , m_view(new QTableView(this))
    , m_inspector(new QPlainTextEdit(this))
    , m_status(new QLabel(this))
{
    using K = ActivityEvent::Kind;
    const auto bit = ActivityFilterProxyModel::kindBit;
    m_app->addItem(tr("All apps"), QString());
    m_kind->addItem(tr("All kinds"), ActivityFilterProxyModel::allKinds);
    m_kind->addItem(tr("Errors and alerts"), bit(K::Error) | bit(K::Alert));
    m_kind->addItem(tr("Client events"), bit(K::ClientEvent));
    m_kind->addItem(tr("API events"), bit(K::ApiEvent));
    m_kind->addItem(tr("Client + API events"), bit(K::ClientEvent) | bit(K::ApiEvent));
    m_kind->addItem(tr("Connections"), bit(K::Connected) | bit(K::Disconnected));
    m_kind->addItem(tr("Subscriptions"), bit(K::Subscribed) | bit(K::Unsubscribed));
    m_kind->addItem(tr("Presence members"), bit(K::MemberAdded) | bit(K::MemberRemoved));
    m_kind->addItem(tr("Channel occupied / vacated"), bit(K::ChannelOccupied) | bit(K::ChannelVacated));
    m_kind->addItem(tr("All but connections / subscriptions"),
        ActivityFilterProxyModel::allKinds
            & ~(bit(K::Connected) | bit(K::Disconnected) | bit(K::Subscribed) | bit(K::Unsubscribed)));
    m_trace->setPlaceholderText(tr("Trace socket / user / channel"));
    m_trace->setToolTip(tr("A live trace: only the events of this socket id, of every socket of this presence "
                           "user id, or on this channel (exact). Double-click a row to trace its socket."));
    m_channel->setPlaceholderText(tr("Channel"));
    m_event->setPlaceholderText(tr("Event name"));
    m_text->setPlaceholderText(tr("Search text / payload (Ctrl+F)"));
    for (QLineEdit *edit : {m_trace, m_channel, m_event, m_text})
        edit->setClearButtonEnabled(true);
    m_pause->setText(tr("Pause"));
    m_pause->setCheckable(true);
    m_pause->setToolTip(tr("Pause/resume the live stream (Ctrl+P)"));
    m_clear->setText(tr("Clear"));
    m_clear->setToolTip(tr("Clear the console (Ctrl+L)"));

    auto *filters = new QHBoxLayout;
    filters->addWidget(m_app);
    filters->addWidget(m_kind);
    filters->addWidget(m_trace, 1);
    filters->addWidget(m_channel, 1);
    filters->addWidget(m_event, 1);
    filters->addWidget(m_text, 2);
    filters->addWidget(m_pause);
    filters->addWidget(m_clear);

    m_view->setModel(m_proxy);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setWordWrap(false);
    m_view->setAlternatingRowColors(true);
    m_view->verticalHeader()->hide();
    // Fixed row height and interactive column widths: no per-row measuring under a flood.
    m_view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
    m_view->horizontalHeader()->setStretchLastSection(true);
    const int widths[] = {95, 115, 70, 110, 190, 150};
    for (int c = 0; c < 6; ++c)
        m_view->setColumnWidth(c, widths[c]);

    m_inspector->setReadOnly(true);
    m_inspector->setPlaceholderText(tr("Select an event to inspect its payload"));
    m_inspector->setFont(QFont(QStringLiteral("monospace")));

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(m_view);
    splitter->addWidget(m_inspector);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 1);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(filters);
    layout->addWidget(splitter, 1);
    layout->addWidget(m_status);

    connect(m_app, &QComboBox::currentIndexChanged, this,
        [this] { m_proxy->setAppFilter(m_app->currentData().toString()); });
    connect(m_kind, &QComboBox::currentIndexChanged, this,
        [this] { m_proxy->setKindFilter(m_kind->currentData().toUInt()); });
    connect(m_trace, &QLineEdit::textChanged, m_proxy, &ActivityFilterProxyModel::setTrace);
    connect(m_view, &QTableView::doubleClicked, this, [this](const QModelIndex &index) {
        const QString socket = m_model->event(m_proxy->mapToSource(index).row()).socketId;
        if (!socket.isEmpty())
            m_trace->setText(socket);
    });
    m_view->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_view, &QWidget::customContextMenuRequested, this, &ActivityConsoleWidget::showContextMenu);
    connect(m_channel, &QLineEdit::textChanged, m_proxy, &ActivityFilterProxyModel::setChannelFilter);
    connect(m_event, &QLineEdit::textChanged, m_proxy, &ActivityFilterProxyModel::setEventFilter);
    connect(m_text, &QLineEdit::textChanged, m_proxy, &ActivityFilterProxyModel::setTextFilter);
    connect(m_pause, &QToolButton::toggled, this, &ActivityConsoleWidget::setPaused);
    connect(m_clear, &QToolButton::clicked, this, &ActivityConsoleWidget::clear);
    connect(
        m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &ActivityConsoleWidget::showSelected);
    // Follow the stream while the user is at the bottom; stay put when they scrolled up to read.
    connect(m_model, &ActivityLogModel::rowsAboutToBeInserted, this, [this] {
        QScrollBar *bar = m_view->verticalScrollBar();
        m_view->setProperty("follow", bar->value() >= bar->maximum() - 2);
    });
    connect(m_model, &ActivityLogModel::flushed, this, [this] {
        if (m_view->property("follow").toBool())
            m_view->scrollToBottom();
        updateStatus();
    });
    m_view->setProperty("follow", true);
    updateStatus();
}

void ActivityConsoleWidget::setAppIds(const QStringList &appIds)
{
    for (const QString &id : appIds)
        if (m_app->findData(id) < 0)
            m_app->addItem(id, id);
}

bool ActivityConsoleWidget::setKindFilter(quint32 kinds)
{
    const int index = m_kind->findData(kinds);
    if (index >= 0)
        m_kind->setCurrentIndex(index);
    return index >= 0;
}

void ActivityConsoleWidget::setTrace(const QString &socketUserOrChannel)
{
    m_trace->setText(socketUserOrChannel);
}

void ActivityConsoleWidget::focusFilter()
{
    m_text->setFocus(Qt::ShortcutFocusReason);
    m_text->selectAll();
}

void ActivityConsoleWidget::appendEvents(const QList<ActivityEvent> &events)
{
    m_model->appendEvents(events);
}

void ActivityConsoleWidget::setPaused(bool paused)
{
    if (m_model->isPaused() == paused)
        return;
    m_model->setPaused(paused);
    const QSignalBlocker blocker(m_pause);
    m_pause->setChecked(paused);
    m_pause->setText(paused ? tr("Resume") : tr("Pause"));
    updateStatus();
    emit pausedChanged(paused);
}

bool ActivityConsoleWidget::isPaused() const
{
    return m_model->isPaused();
}

void ActivityConsoleWidget::clear()
{
    m_model->clear();
    m_inspector->clear();
    updateStatus();
}

QString ActivityConsoleWidget::prettyPayload(const QByteArray &payload)
{
    return PayloadText::pretty(payload);
}

void ActivityConsoleWidget::showSelected()
{
    const QModelIndex index = m_proxy->mapToSource(m_view->currentIndex());
    if (!index.isValid()) {
        m_inspector->clear();
        return;
    }
    const ActivityEvent &e = m_model->event(index.row());
    QString header = QStringLiteral("%1  %2\napp: %3\nsocket: %4\n")
                         .arg(QDateTime::fromMSecsSinceEpoch(e.timeMs).toString(Qt::ISODateWithMs),
                             ActivityLogModel::kindName(e.kind), e.appId, e.socketId);
    if (const QString user = m_model->userOf(e.socketId); !user.isEmpty())
        header += tr("user: %1\n").arg(user);
    if (!e.channel.isEmpty())
        header += tr("channel: %1\n").arg(e.channel);
    if (!e.event.isEmpty())
        header +=
            QStringLiteral("%1: %2\n")
                .arg(e.kind == ActivityEvent::Kind::Error ? QStringLiteral("code") : QStringLiteral("event"), e.event);
    m_inspector->setPlainText(header + QLatin1Char('\n') + prettyPayload(e.payload));
}

void ActivityConsoleWidget::showContextMenu(const QPoint &at)
{
    const QModelIndex index = m_proxy->mapToSource(m_view->indexAt(at));
    if (!index.isValid())
        return;
    const ActivityEvent e = m_model->event(index.row());
    auto *menu = new QMenu(this); // popup(), not exec(): no nested event loop
    menu->setAttribute(Qt::WA_DeleteOnClose);
    if (!e.socketId.isEmpty()) {
        menu->addAction(tr("Trace socket %1").arg(e.socketId), this, [this, e] { setTrace(e.socketId); });
        if (const QString user = m_model->userOf(e.socketId); !user.isEmpty())
            menu->addAction(tr("Trace user %1").arg(user), this, [this, user] { setTrace(user); });
    }
    if (!e.channel.isEmpty())
        menu->addAction(tr("Trace channel %1").arg(e.channel), this, [this, e] { setTrace(e.channel); });
    if (!e.socketId.isEmpty() && e.kind != ActivityEvent::Kind::ApiEvent) {
        menu->addSeparator();
        menu->addAction(tr("Disconnect socket %1").arg(e.socketId), this,
            [this, e] { emit disconnectRequested(e.appId, e.socketId); });
    }
    menu->popup(m_view->viewport()->mapToGlobal(at));
}

void ActivityConsoleWidget::updateStatus()
{
    m_status->setText(
        tr("%1 event(s) shown of %2 kept (max %3, the largest kind evicted first); %4 received%5")
            .arg(m_proxy->rowCount())
            .arg(m_model->rowCount())
            .arg(m_model->maxRows())
            .arg(m_model->totalReceived())
            .arg(m_model->isPaused() ? tr(" — paused, %1 waiting").arg(m_model->pendingCount()) : QString()));
}

} // namespace qsoketi
