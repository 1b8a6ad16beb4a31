// SPDX-License-Identifier: GPL-3.0-or-later
#include "adapter/WorkerGroup.h"

#include <algorithm>

namespace qsoketi {

void WorkerGroup::join(WorkerClusterView *view)
{
    const std::lock_guard lock(m_mutex);
    m_views.push_back(view);
}

void WorkerGroup::leave(WorkerClusterView *view)
{
    const std::lock_guard lock(m_mutex);
    m_views.erase(std::remove(m_views.begin(), m_views.end(), view), m_views.end());
}

int WorkerGroup::forEachOther(const WorkerClusterView *self, const std::function<void(WorkerClusterView *)> &post) const
{
    const std::lock_guard lock(m_mutex);
    int posted = 0;
    for (WorkerClusterView *view : m_views) {
        if (view != self) {
            post(view);
            ++posted;
        }
    }
    return posted;
}

bool WorkerGroup::ifMember(const WorkerClusterView *view, const std::function<void(WorkerClusterView *)> &post) const
{
    const std::lock_guard lock(m_mutex);
    const auto it = std::find(m_views.begin(), m_views.end(), view);
    if (it == m_views.end())
        return false;
    post(*it);
    return true;
}

} // namespace qsoketi
