// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QWidget>

#include "rest/HttpResponse.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

namespace qsoketi {

class ServerCore;

// Sends an event to a channel of an app from the window, through RestApi::trigger — the code path of
// POST /apps/{id}/events — so it reaches subscribers, the console and the counters like any API event.
class EventCreatorWidget : public QWidget
{
    Q_OBJECT

public:
    explicit EventCreatorWidget(ServerCore &core, QWidget *parent = nullptr);

    // The same as filling the form and pressing Send.
    HttpResponse send(const QString &appId, const QString &channel, const QString &event, const QString &data);
    void setChannelSuggestions(const QString &appId, const QStringList &channels);

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

    ServerCore &m_core;
    QComboBox *m_app;
    QComboBox *m_channelChoice;
    QLineEdit *m_channel;
    QLineEdit *m_event;
    QPlainTextEdit *m_data;
    QPushButton *m_send;
    QLabel *m_result;
};

} // namespace qsoketi
