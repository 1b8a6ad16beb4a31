// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <functional>
#include <memory>

#include <QWidget>

#include "apps/AppPtr.h"
#include "rest/HttpResponse.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

namespace qsoketi {

struct ChannelsSnapshot;

class ServerCore;

// Sends an event to a channel of an app from the window, through RestApi::trigger — the code path of
// POST /apps/{id}/events — so it reaches subscribers, the console and the counters like any API event.
class EventCreatorWidget : public QWidget
{
    Q_OBJECT

public:
    using Done = std::function<void(const HttpResponse &)>;

    explicit EventCreatorWidget(ServerCore &core, QWidget *parent = nullptr);
    ~EventCreatorWidget() override;

    // The same as filling the form and pressing Send. `done` runs on this widget's thread: before send()
    // returns when the server shares it and the app is known, later otherwise; never after the widget is gone.
    void send(const QString &appId, const QString &channel, const QString &event, const QString &data, Done done);
    // Re-reads the app list from the app directory (also done when an app changes).
    void reloadApps();
    void setChannelSuggestions(const QString &appId, const QStringList &channels);
    // The first 200 channel names of the chosen app in a channels reading, as suggestions.
    void suggestChannelsFrom(const ChannelsSnapshot &snapshot);

    QComboBox *appBox() const { return m_app; }
    QLineEdit *channelEdit() const { return m_channel; }
    QLineEdit *eventEdit() const { return m_event; }
    QPlainTextEdit *dataEdit() const { return m_data; }
    QPushButton *sendButton() const { return m_send; }
    QLabel *resultLabel() const { return m_result; }

signals:
    void sent(int status);

private:
    void sendForm();
    void showApps(const QList<AppPtr> &apps);
    void showAnswer(const HttpResponse &response, bool plainText);

    ServerCore &m_core;
    QComboBox *m_app;
    QComboBox *m_channelChoice;
    QLineEdit *m_channel;
    QLineEdit *m_event;
    QPlainTextEdit *m_data;
    QPushButton *m_send;
    QLabel *m_result;
    std::shared_ptr<bool> m_alive = std::make_shared<bool>(true); // read on this widget's thread only
};

} // namespace qsoketi
