// SPDX-License-Identifier: GPL-3.0-or-later
#include "ActivityConsoleWidget.h"

#include <QComboBox>
#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QSplitter>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

#include "ActivityFilterProxyModel.h"
#include "ActivityLogModel.h"

namespace qsoketi {

ActivityConsoleWidget::ActivityConsoleWidget(QWidget *parent)
    : QWidget(parent)
    , m_model(new ActivityLogModel(ActivityLogModel::defaultMaxRows, this))
    , m_proxy(new ActivityFilterProxyModel(m_model, this))
    , m_app(new QComboBox(this))
    , m_channel(new QLineEdit(this))
    , m_event(new QLineEdit(this))
    , m_text(new QLineEdit(this))
    , m_pause(new QToolButton(this))
    , m_clear(new QToolButton(this))
    , m_view(new QTableView(this))
    , m_inspector(new QPlainTextEdit(this))
    , m_status(new QLabel(this))
{
    m_app->addItem(QStringLiteral("All apps"), QString());
    m_channel->setPlaceholderText(QStringLiteral("Channel"));
    m_event->setPlaceholderText(QStringLiteral("Event name"));
    m_text->setPlaceholderText(QStringLiteral("Search text / payload"));
    for (QLineEdit *edit : {m_channel, m_event, m_text})
        edit->setClearButtonEnabled(true);
    m_pause->setText(QStringLiteral("Pause"));
    m_pause->setCheckable(true);
    m_pause->setToolTip(QStringLiteral("Pause/resume the live stream (Ctrl+P)"));
    m_clear->setText(QStringLiteral("Clear"));
    m_clear->setToolTip(QStringLiteral("Clear the console (Ctrl+L)"));

    auto *filters = new QHBoxLayout;
    filters->addWidget(m_app);
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
    const int widths[] = {95, 95, 70, 110, 190, 150};
    for (int c = 0; c < 6; ++c)
        m_view->setColumnWidth(c, widths[c]);

    m_inspector->setReadOnly(true);
    m_inspector->setPlaceholderText(QStringLiteral("Select an event to inspect its payload"));
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
    m_pause->setText(paused ? QStringLiteral("Resume") : QStringLiteral("Pause"));
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
    QJsonParseError error;
    QJsonDocument doc = QJsonDocument::fromJson(payload, &error);
    if (error.error != QJsonParseError::NoError) {
        // A JSON string holding JSON (Pusher's data is usually a string): unwrap one level.
        const QJsonDocument wrapped = QJsonDocument::fromJson("[" + payload + "]", &error);
        if (error.error == QJsonParseError::NoError && wrapped.array().size() == 1 && wrapped.array()[0].isString()) {
            const QByteArray inner = wrapped.array()[0].toString().toUtf8();
            const QJsonDocument innerDoc = QJsonDocument::fromJson(inner, &error);
            if (error.error == QJsonParseError::NoError)
                return QString::fromUtf8(innerDoc.toJson(QJsonDocument::Indented));
            return wrapped.array()[0].toString();
        }
        return QString::fromUtf8(payload);
    }
    return QString::fromUtf8(doc.toJson(QJsonDocument::Indented));
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
    if (!e.channel.isEmpty())
        header += QStringLiteral("channel: %1\n").arg(e.channel);
    if (!e.event.isEmpty())
        header +=
            QStringLiteral("%1: %2\n")
                .arg(e.kind == ActivityEvent::Kind::Error ? QStringLiteral("code") : QStringLiteral("event"), e.event);
    m_inspector->setPlainText(header + QLatin1Char('\n') + prettyPayload(e.payload));
}

void ActivityConsoleWidget::updateStatus()
{
    m_status->setText(
        QStringLiteral("%1 event(s) shown of %2 kept (max %3); %4 received%5")
            .arg(m_proxy->rowCount())
            .arg(m_model->rowCount())
            .arg(m_model->maxRows())
            .arg(m_model->totalReceived())
            .arg(m_model->isPaused() ? QStringLiteral(" — paused, %1 waiting").arg(m_model->pendingCount())
                                     : QString()));
}

} // namespace qsoketi
