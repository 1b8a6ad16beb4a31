// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <functional>
#include <mutex>
#include <vector>

namespace qsoketi {

class WorkerClusterView;

// The workers of one process (SOKETI_WORKERS), as the members of an in-process cluster: each worker's
// WorkerClusterView joins on its own thread and leaves when it is destroyed. Thread-safe.
//
// Calls into another worker are only ever queued to its thread, and queued while the group's lock is
// held: a view leaves under the same lock before it is destroyed, and Qt drops the events still posted
// to a destroyed object, so a call either runs on a live view or not at all.
class WorkerGroup
{
public:
    void join(WorkerClusterView *view);
    void leave(WorkerClusterView *view);
    // Calls `post` with every member but `self`, under the lock (post must only queue work).
    int forEachOther(const WorkerClusterView *self, const std::function<void(WorkerClusterView *)> &post) const;
    // Calls `post` with `view` if it is still a member, under the lock.
    bool ifMember(const WorkerClusterView *view, const std::function<void(WorkerClusterView *)> &post) const;

private:
    mutable std::mutex m_mutex;
    std::vector<WorkerClusterView *> m_views;
};

} // namespace qsoketi
