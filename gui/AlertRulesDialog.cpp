// SPDX-License-Identifier: GPL-3.0-or-later
#include "AlertRulesDialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>
#include <QSettings>
#include <QSpinBox>

namespace qsoketi {

namespace {

QSpinBox *spinBox(int max, int value, const QString &suffix, QWidget *parent)
{
    auto *box = new QSpinBox(parent);
    box->setRange(0, max);
    box->setValue(value);
    box->setSuffix(suffix);
    box->setSpecialValueText(QObject::tr("off"));
    return box;
}

} // namespace

AlertRulesDialog::AlertRulesDialog(const AlertMonitor::Rules &rules, QWidget *parent)
    : QDialog(parent)
    , m_connections(new QDoubleSpinBox(this))
    , m_lag(spinBox(60000, int(rules.eventLoopLagMs), tr(" ms"), this))
    , m_errors(spinBox(1000000, rules.errorsPerMinute, tr(" per minute"), this))
    , m_webhooks(spinBox(100000, rules.webhookFailures, tr(" between two samples"), this))
    , m_cooldown(spinBox(7 * 24 * 3600, int(rules.cooldownMs / 1000), tr(" s"), this))
    , m_nodeDown(new QCheckBox(tr("a node of the Cluster tab stops answering"), this))
{
    setWindowTitle(tr("Alert rules"));
    m_connections->setRange(0, 100);
    m_connections->setDecimals(0);
    m_connections->setSuffix(tr(" % of maxConnections"));
    m_connections->setSpecialValueText(tr("off"));
    m_connections->setValue(rules.connectionsPercent);
    m_cooldown->setSpecialValueText(tr("none"));
    m_nodeDown->setChecked(rules.nodeDown);

    auto *form = new QFormLayout;
    form->addRow(tr("Connections of an app at"), m_connections);
    form->addRow(tr("Event-loop lag above"), m_lag);
    form->addRow(tr("Errors of one code, at least"), m_errors);
    form->addRow(tr("Failed webhook deliveries, at least"), m_webhooks);
    form->addRow(tr("Node down"), m_nodeDown);
    form->addRow(tr("Cool-down of one rule"), m_cooldown);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("An alert is a tray notification and a console row. One incident is one "
                                    "alert; the same rule stays quiet for the cool-down."),
        this));
    layout->addLayout(form);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(this, &QDialog::accepted, this, [this] {
        const AlertMonitor::Rules chosen = this->rules();
        save(chosen);
        emit rulesChanged(chosen);
    });
}

AlertMonitor::Rules AlertRulesDialog::rules() const
{
    AlertMonitor::Rules rules;
    rules.connectionsPercent = m_connections->value();
    rules.eventLoopLagMs = m_lag->value();
    rules.errorsPerMinute = m_errors->value();
    rules.webhookFailures = m_webhooks->value();
    rules.cooldownMs = qint64(m_cooldown->value()) * 1000;
    rules.nodeDown = m_nodeDown->isChecked();
    return rules;
}

void AlertRulesDialog::save(const AlertMonitor::Rules &rules)
{
    QSettings settings;
    settings.beginGroup(QStringLiteral("alerts"));
    settings.setValue(QStringLiteral("connectionsPercent"), rules.connectionsPercent);
    settings.setValue(QStringLiteral("eventLoopLagMs"), rules.eventLoopLagMs);
    settings.setValue(QStringLiteral("errorsPerMinute"), rules.errorsPerMinute);
    settings.setValue(QStringLiteral("webhookFailures"), rules.webhookFailures);
    settings.setValue(QStringLiteral("cooldownSeconds"), rules.cooldownMs / 1000);
    settings.setValue(QStringLiteral("nodeDown"), rules.nodeDown);
    settings.endGroup();
}

} // namespace qsoketi
