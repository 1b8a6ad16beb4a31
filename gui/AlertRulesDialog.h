// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QDialog>

#include "AlertMonitor.h"

class QCheckBox;
class QDoubleSpinBox;
class QSpinBox;

namespace qsoketi {

// Where the user sets the alert rules (0 turns a rule off). Accepting saves them (QSettings group
// "alerts", read back by AlertMonitor::rulesFromSettings) and emits rulesChanged.
class AlertRulesDialog : public QDialog
{
    Q_OBJECT

public:
    explicit AlertRulesDialog(const AlertMonitor::Rules &rules, QWidget *parent = nullptr);

    AlertMonitor::Rules rules() const;
    static void save(const AlertMonitor::Rules &rules);

    QDoubleSpinBox *connectionsPercent() const { return m_connections; }
    QSpinBox *lagMs() const { return m_lag; }
    QSpinBox *errorsPerMinute() const { return m_errors; }
    QSpinBox *webhookFailures() const { return m_webhooks; }
    QSpinBox *cooldownSeconds() const { return m_cooldown; }
    QCheckBox *nodeDown() const { return m_nodeDown; }

signals:
    void rulesChanged(const qsoketi::AlertMonitor::Rules &rules);

private:
    QDoubleSpinBox *m_connections;
    QSpinBox *m_lag;
    QSpinBox *m_errors;
    QSpinBox *m_webhooks;
    QSpinBox *m_cooldown;
    QCheckBox *m_nodeDown;
};

} // namespace qsoketi
