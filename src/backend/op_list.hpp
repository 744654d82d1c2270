// Intrusive FIFO of operations, linked through Operation::next/prev: no
// allocation to queue or unlink, which keeps waits and cancels O(1).
#pragma once

#include "coronet/backend/operation.hpp"

namespace coronet::backend {

class OpList {
  public:
    bool empty() const noexcept { return head_ == nullptr; }
    Operation* front() const noexcept { return head_; }
    Operation* back() const noexcept { return tail_; }

    void push_back(Operation& op) noexcept {
        op.next = nullptr;
        op.prev = tail_;
        if (tail_) {
            tail_->next = &op;
        } else {
            head_ = &op;
        }
        tail_ = &op;
    }

    Operation* pop_front() noexcept {
        Operation* op = head_;
        if (op) remove(*op);
        return op;
    }

    // `op` must be in this list.
    void remove(Operation& op) noexcept {
        (op.prev ? op.prev->next : head_) = op.next;
        (op.next ? op.next->prev : tail_) = op.prev;
        op.next = op.prev = nullptr;
    }

    // Moves every element out, leaving this list empty.
    OpList take() noexcept {
        OpList out;
        out.head_ = head_;
        out.tail_ = tail_;
        head_ = tail_ = nullptr;
        return out;
    }

  private:
    Operation* head_ = nullptr;
    Operation* tail_ = nullptr;
};

}  // namespace coronet::backend
