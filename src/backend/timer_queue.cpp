#include "timer_queue.hpp"

namespace coronet::backend {
namespace {
constexpr std::size_t kArity = 4;
constexpr std::uint32_t kNotQueued = UINT32_MAX;
}  // namespace

void TimerQueue::add(Operation& op) {
    op.sequence = next_sequence_++;
    heap_.push_back(&op);
    op.heap_index = static_cast<std::uint32_t>(heap_.size() - 1);
    sift_up(heap_.size() - 1);
}

bool TimerQueue::remove(Operation& op) noexcept {
    const std::size_t index = op.heap_index;
    if (index >= heap_.size() || heap_[index] != &op) return false;
    Operation* last = heap_.back();
    heap_.pop_back();
    op.heap_index = kNotQueued;
    if (last != &op) {
        place(index, last);
        sift_up(index);
        sift_down(last->heap_index);
    }
    return true;
}

std::optional<TimePoint> TimerQueue::next_deadline() const noexcept {
    if (heap_.empty()) return std::nullopt;
    return heap_.front()->deadline;
}

Operation* TimerQueue::pop_expired(TimePoint now) noexcept {
    if (heap_.empty() || heap_.front()->deadline > now) return nullptr;
    Operation* op = heap_.front();
    remove(*op);
    return op;
}

void TimerQueue::sift_up(std::size_t index) noexcept {
    Operation* op = heap_[index];
    while (index > 0) {
        const std::size_t parent = (index - 1) / kArity;
        if (!earlier(op, heap_[parent])) break;
        place(index, heap_[parent]);
        index = parent;
    }
    place(index, op);
}

void TimerQueue::sift_down(std::size_t index) noexcept {
    Operation* op = heap_[index];
    const std::size_t size = heap_.size();
    for (;;) {
        const std::size_t first = index * kArity + 1;
        if (first >= size) break;
        std::size_t best = first;
        const std::size_t last = first + kArity < size ? first + kArity : size;
        for (std::size_t child = first + 1; child < last; ++child) {
            if (earlier(heap_[child], heap_[best])) best = child;
        }
        if (!earlier(heap_[best], op)) break;
        place(index, heap_[best]);
        index = best;
    }
    place(index, op);
}

}  // namespace coronet::backend
