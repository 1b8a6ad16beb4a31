// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QTimer>
#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTableView;

namespace qsoketi {

class DeliveryLogModel;
class WebhookSender;

// The dashboard's Webhooks tab: the delivery log (WebhookSender::deliveryLog, the same records as
// GET /webhooks/deliveries on the metrics port) with filters by app, outcome and text, every attempt of
// the selected delivery, and Replay (a new delivery of its events, signed now). Re-read once a second
// when the log changed.
class WebhooksWidget : public QWidget
{
    Q_OBJECT

public:
    explicit WebhooksWidget(WebhookSender &sender, QWidget *parent = nullptr);

    void refresh();
    // Replays the selected delivery; returns the new delivery's id (0 on failure, said in the status line).
    quint64 replaySelected();

    DeliveryLogModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }
    QComboBox *appBox() const { return m_app; }
    QComboBox *outcomeBox() const { return m_outcome; }
    QLineEdit *searchEdit() const { return m_search; }
    QPushButton *replayButton() const { return m_replay; }
    QPlainTextEdit *details() const { return m_details; }
    QLabel *statusLabel() const { return m_status; }

private:
    void applyFilter();
    void showSelected();
    quint64 selectedId() const;

    WebhookSender &m_sender;
    DeliveryLogModel *m_model;
    QTableView *m_table;
    QComboBox *m_app;
    QComboBox *m_outcome;
    QLineEdit *m_search;
    QPushButton *m_replay;
    QPlainTextEdit *m_details;
    QLabel *m_status; // the last replay's result
    QLabel *m_count;
    QTimer m_timer;
};

} // namespace qsoketi
