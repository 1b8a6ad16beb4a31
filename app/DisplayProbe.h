// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

// Decides, before any QApplication exists, whether a window can be opened. Qt aborts the process
// (exit 134) when its platform plugin cannot connect, e.g. with a DISPLAY inherited from an ssh
// session or a container but no X server behind it; probing first lets qsoketi run headless instead.
class DisplayProbe final
{
public:
    struct Result
    {
        bool usable = false;
        QString reason; // why not, for the one-line warning (empty when usable)
    };

    // Connects to the X server named by DISPLAY (through libxcb, loaded at run time, so the full
    // handshake including authorization is tried) or to the Wayland socket, as Qt would pick them.
    // An explicit QT_QPA_PLATFORM other than xcb/wayland (offscreen, vnc, …) is trusted.
    static Result probe();

private:
    static bool xServerAnswers(const QByteArray &display);
    static bool waylandAnswers(const QByteArray &display);
    static bool waylandPluginInstalled();
};
