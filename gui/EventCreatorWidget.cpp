// SPDX-License-Identifier: GPL-3.0-or-later
#include "EventCreatorWidget.h"

#include <QAbstractItemView>
#include <QComboBox>
#include <QCoreApplication>
#include <QFormLayout>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

#include "ServerCore.h"
#include "apps/AppDirectory.h"
#include "channels/ChannelService.h"
#include "channels/ChannelsSnapshot.h"
#include "rest/RestApi.h"

namespace qsoketi {

EventCreatorWidget::EventCreatorWidget(ServerCore &core, QWidget *parent)
    : QWidget(parent)
    , m_core(core)
    , m_app(new QComboBox(this))
    , m_channelChoice(new QComboBox(this))
    , m_channel(new QLineEdit(this))
    , m_event(new QLineEdit(QStringLiteral("test-event"), this))
    , m_data(new QPlainTextEdit(this))
    , m_send(new QPushButton(tr("Send event"), this))
    , m_result(new QLabel(this))
{
    // The config's apps at once; the directory's list (a database's apps) replaces them when it comes.
    for (const App &app : core.apps().apps())
        m_app->addItem(QStringLiteral("%1 (key %2)").arg(app.id, app.key), app.id);
    reloadApps();
    connect(&core.appDirectory(), &AppDirectory::appChanged, this, &EventCreatorWidget::reloadApps);
    connect(&core.appDirectory(), &AppDirectory::appRemoved, this, &EventCreatorWidget::reloadApps);
    m_channelChoice->addItem(QStringLiteral("— occupied channels —"));
    m_channel->setPlaceholderText(QStringLiteral("e.g. my-channel, private-orders.42"));
    m_data->setPlainText(QStringLiteral("{\n  \"message\": \"Hello from the qsoketi dashboard\"\n}"));
    m_data->setFont(QFont(QStringLiteral("monospace")));
    m_send->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return));
    m_send->setToolTip(tr("Send (Ctrl+Enter)"));
    m_result->setWordWrap(true);
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *form = new QFormLayout;
    form->addRow(tr("App"), m_app);
    auto *channelRow = new QHBoxLayout;
    channelRow->addWidget(m_channel, 2);
    channelRow->addWidget(m_channelChoice, 1);
    form->addRow(tr("Channel"), channelRow);
    form->addRow(tr("Event name"), m_event);
    form->addRow(tr("Data (JSON)"), m_data);
    auto *layout = new QVBoxLayout(this);
    auto *hint = new QLabel(tr("Publishes exactly like <code>POST /apps/{id}/events</code>: "
                               "subscribers receive it, the debug console and the counters show it."),
        this);
    hint->setWordWrap(true);
    layout->addWidget(hint);
    layout->addLayout(form, 1);
    layout->addWidget(m_send, 0, Qt::AlignLeft);
    layout->addWidget(m_result);

    connect(m_send, &QPushButton::clicked, this, &EventCreatorWidget::sendForm);
    connect(m_channelChoice, &QComboBox::activated, this, [this](int index) {
        if (index > 0)
            m_channel->setText(m_channelChoice->itemText(index));
    });
}

void EventCreatorWidget::setChannelSuggestions(const QString &appId, const QStringList &channels)
{
    if (appId != m_app->currentData().toString() || m_channelChoice->view()->isVisible())
        return; // never change the list under an open popup
    QStringList current;
    for (int i = 1; i < m_channelChoice->count(); ++i)
        current.append(m_channelChoice->itemText(i));
    if (current == channels)
        return;
    while (m_channelChoice->count() > 1)
        m_channelChoice->removeItem(1);
    m_channelChoice->addItems(channels);
}

EventCreatorWidget::~EventCreatorWidget()
{
    *m_alive = false;
}

void EventCreatorWidget::reloadApps()
{
    m_core.appDirectory().list(
        [this](const AppStoreReply &reply) {
            if (reply.ok())
                showApps(reply.apps);
        },
        this);
}

void EventCreatorWidget::showApps(const QList<AppPtr> &apps)
{
    const QString selected = m_app->currentData().toString();
    m_app->clear();
    for (const AppPtr &app : apps)
        m_app->addItem(QStringLiteral("%1 (key %2)").arg(app->id, app->key), app->id);
    const int index = m_app->findData(selected);
    if (index >= 0)
        m_app->setCurrentIndex(index);
}

void EventCreatorWidget::send(
    const QString &appId, const QString &channel, const QString &event, const QString &data, Done done)
{
    // Pusher's `data` is a string; the form's text is sent as typed (usually JSON text).
    const QJsonObject body{
        {QStringLiteral("name"), event}, {QStringLiteral("channel"), channel}, {QStringLiteral("data"), data}};
    ServerCore *core = &m_core;
    // The answer comes back to this thread through the application object (which outlives the widget);
    // `alive` is read here, where the widget is destroyed. On one thread both hops are direct calls.
    const auto answer = [alive = m_alive, done = std::move(done)](const HttpResponse &response) {
        QMetaObject::invokeMethod(QCoreApplication::instance(), [alive, done, response] {
            if (*alive)
                done(response);
        });
    };
    // The engine is touched only on its own thread: find the app (a database may answer later), then the
    // code path of POST /apps/{id}/events.
    QMetaObject::invokeMethod(core, [core, appId, body, answer] {
        core->appDirectory().findById(appId, [core, body, answer](const AppPtr &app) {
            if (!app || !app->enabled)
                return answer(HttpResponse::error(404, u"No such app, or the app is disabled."));
            core->rest().trigger(core->channels().appStateFor(app), body, answer);
        });
    });
}

void EventCreatorWidget::sendForm()
{
    if (m_channel->text().trimmed().isEmpty() || m_event->text().trimmed().isEmpty()) {
        m_result->setText(tr("A channel and an event name are required."));
        m_result->setStyleSheet(QStringLiteral("color: #c62828"));
        return;
    }
    const QString data = m_data->toPlainText();
    QJsonParseError error;
    QJsonDocument::fromJson(data.toUtf8(), &error);
    const bool plainText = error.error != QJsonParseError::NoError;
    send(m_app->currentData().toString(), m_channel->text().trimmed(), m_event->text().trimmed(), data,
        [this, plainText](const HttpResponse &response) { showAnswer(response, plainText); });
}

void EventCreatorWidget::showAnswer(const HttpResponse &response, bool plainText)
{
    QString text = QStringLiteral("%1 %2").arg(response.status).arg(QString::fromUtf8(response.body));
    if (plainText)
        text += QStringLiteral("  (note: data is not valid JSON; sent as plain text)");
    m_result->setText(text);
    m_result->setStyleSheet(
        response.status == 200 ? QStringLiteral("color: #2e7d32") : QStringLiteral("color: #c62828"));
    emit sent(response.status);
}

void EventCreatorWidget::suggestChannelsFrom(const ChannelsSnapshot &snapshot)
{
    const QString app = m_app->currentData().toString();
    for (const ChannelsSnapshot::AppEntry &entry : snapshot.apps) {
        if (entry.appId != app)
            continue;
        QStringList names;
        for (const ChannelsSnapshot::ChannelEntry &channel : entry.channels) {
            names.append(channel.name);
            if (names.size() >= 200)
                break;
        }
        setChannelSuggestions(app, names);
    }
}

} // namespace qsoketi
