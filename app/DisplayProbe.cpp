// SPDX-License-Identifier: GPL-3.0-or-later
#include "DisplayProbe.h"

#include <cstring>

#include <QDir>
#include <QLibraryInfo>

#include <dlfcn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace {

// The three libxcb entry points used; xcb_connection_t stays opaque.
using XcbConnect = void *(*)(const char *, int *);
using XcbHasError = int (*)(void *);
using XcbDisconnect = void (*)(void *);

} // namespace

DisplayProbe::Result DisplayProbe::probe()
{
    const QByteArray platform = qgetenv("QT_QPA_PLATFORM");
    const QByteArray x11 = qgetenv("DISPLAY");
    const QByteArray wayland = qgetenv("WAYLAND_DISPLAY");
    const bool wantsXcb = platform.startsWith("xcb");
    const bool wantsWayland = platform.startsWith("wayland");
    if (!platform.isEmpty() && !wantsXcb && !wantsWayland)
        return {true, {}};
    if (x11.isEmpty() && wayland.isEmpty())
        return {false, QStringLiteral("DISPLAY/WAYLAND_DISPLAY unset")};

    const bool xOk = !wantsWayland && !x11.isEmpty() && xServerAnswers(x11);
    const bool waylandOk = !wantsXcb && !wayland.isEmpty() && waylandAnswers(wayland) && waylandPluginInstalled();
    if (xOk)
        return {true, {}};
    if (waylandOk) {
        if (platform.isEmpty())
            qputenv("QT_QPA_PLATFORM", "wayland"); // X is not there; keep Qt from trying it
        return {true, {}};
    }
    QStringList tried;
    if (!x11.isEmpty() && !wantsWayland)
        tried.append(QStringLiteral("no X server answers on DISPLAY=%1").arg(QString::fromLocal8Bit(x11)));
    if (!wayland.isEmpty() && !wantsXcb)
        tried.append(
            QStringLiteral("no Wayland compositor answers on WAYLAND_DISPLAY=%1").arg(QString::fromLocal8Bit(wayland)));
    if (tried.isEmpty())
        tried.append(QStringLiteral("QT_QPA_PLATFORM=%1 has no display set").arg(QString::fromLocal8Bit(platform)));
    return {false, tried.join(QStringLiteral(", "))};
}

bool DisplayProbe::xServerAnswers(const QByteArray &display)
{
    // Qt's xcb plugin needs libxcb anyway: when it is missing no window can open either.
    void *library = dlopen("libxcb.so.1", RTLD_LAZY | RTLD_LOCAL);
    if (!library)
        return false;
    const auto connect = reinterpret_cast<XcbConnect>(dlsym(library, "xcb_connect"));
    const auto hasError = reinterpret_cast<XcbHasError>(dlsym(library, "xcb_connection_has_error"));
    const auto disconnect = reinterpret_cast<XcbDisconnect>(dlsym(library, "xcb_disconnect"));
    bool answers = false;
    if (connect && hasError && disconnect) {
        void *connection = connect(display.constData(), nullptr);
        answers = connection && hasError(connection) == 0;
        disconnect(connection); // also frees a connection in the error state
    }
    dlclose(library);
    return answers;
}

bool DisplayProbe::waylandAnswers(const QByteArray &display)
{
    QByteArray path = display;
    if (!path.startsWith('/')) {
        const QByteArray runtimeDir = qgetenv("XDG_RUNTIME_DIR");
        if (runtimeDir.isEmpty())
            return false;
        path = runtimeDir + '/' + display;
    }
    sockaddr_un address{};
    if (size_t(path.size()) >= sizeof(address.sun_path))
        return false;
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.constData(), size_t(path.size()));
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    const bool answers = ::connect(fd, reinterpret_cast<const sockaddr *>(&address), sizeof(address)) == 0;
    close(fd);
    return answers;
}

bool DisplayProbe::waylandPluginInstalled()
{
    const QDir platforms(QLibraryInfo::path(QLibraryInfo::PluginsPath) + QStringLiteral("/platforms"));
    return !platforms.entryList({QStringLiteral("libqwayland-*.so")}, QDir::Files).isEmpty();
}
