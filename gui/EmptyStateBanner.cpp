// SPDX-License-Identifier: GPL-3.0-or-later
#include "EmptyStateBanner.h"

#include <QVBoxLayout>

#include "ServerCore.h"
#include "ServerPanel.h"

namespace qsoketi {

EmptyStateBanner::EmptyStateBanner(const ServerCore &core, QWidget *parent)
    : QLabel(parent)
{
    setText(tr("<b>No clients yet</b> — copy the snippet from the <a href=\"server\">Server tab</a>, "
               "or point a Pusher client at <code>%1</code>")
                .arg(clientUrl(core).toHtmlEscaped()));
    setTextInteractionFlags(Qt::TextBrowserInteraction);
    setContentsMargins(8, 6, 8, 6);
    setAutoFillBackground(true);
    setBackgroundRole(QPalette::ToolTipBase);
    setForegroundRole(QPalette::ToolTipText);
    connect(this, &QLabel::linkActivated, this, &EmptyStateBanner::serverTabRequested);
}

QString EmptyStateBanner::clientUrl(const ServerCore &core)
{
    const App *first = core.apps().apps().isEmpty() ? nullptr : &core.apps().apps().first();
    return QStringLiteral("%1://%2:%3/app/%4?protocol=7")
        .arg(core.config().sslCertPath.isEmpty() ? QStringLiteral("ws") : QStringLiteral("wss"),
            ServerPanel::dialableHost(core.config().host))
        .arg(core.port())
        .arg(first ? first->key : QStringLiteral("<app-key>"));
}

QWidget *EmptyStateBanner::above(QWidget *content, QWidget *parent)
{
    auto *page = new QWidget(parent);
    auto *layout = new QVBoxLayout(page);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(this);
    layout->addWidget(content, 1);
    return page;
}

} // namespace qsoketi
