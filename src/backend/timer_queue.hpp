// Pending `timeout` operations, shared by both drivers.
//
// A 4-ary min-heap keyed on (deadline, sequence): add and cancel are
// O(log n) with no allocation beyond the heap's vector, so 100,000 pending
// deadlines stay cheap, and timers with equal deadlines fire in the order they
// were added. Kept in user space on io_uring too: a kernel timeout per sleep
// would cost a submission and a completion each, and cancel scopes add and
// remove deadlines far more often than they fire.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "coronet/backend/operation.hpp"

namespace coronet::backend {

class TimerQueue {
  public:
    void add(Operation& op);
    // Removes `op` if it is queued; returns whether it was.
    bool remove(Operation& op) noexcept;
    bool empty() const noexcept { return heap_.empty(); }
    std::size_t size() const noexcept { return heap_.size(); }
    std::optional<TimePoint> next_deadline() const noexcept;
    // Removes and returns the earliest timer if its deadline is <= now.
    Operation* pop_expired(TimePoint now) noexcept;

  private:
    static bool earlier(const Operation* a, const Operation* b) noexcept {
        return a->deadline < b->deadline ||
               (a->deadline == b->deadline && a->sequence < b->sequence);
    }
    void place(std::size_t index, Operation* op) noexcept {
        heap_[index] = op;
        op->heap_index = static_cast<std::uint32_t>(index);
    }
    void sift_up(std::size_t index) noexcept;
    void sift_down(std::size_t index) noexcept;

    std::vector<Operation*> heap_;
    std::uint64_t next_sequence_ = 0;
};

}  // namespace coronet::backend
