// Per-operation msghdr for recvfrom/sendto, which io_uring runs as
// recvmsg/sendmsg: the header must outlive start() (the kernel may read it at
// submission, after start returned), so it cannot live on the stack.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <memory>
#include <unordered_map>
#include <vector>

#include "coronet/backend/operation.hpp"

namespace coronet::backend {

struct UringMsg {
    msghdr header{};
    iovec iov{};
};

class UringMsgPool {
  public:
    // A zeroed header for `op`, owned by the pool until release(op).
    UringMsg& acquire(const Operation& op) {
        if (free_.empty()) {
            storage_.push_back(std::make_unique<UringMsg>());
            free_.reserve(storage_.size());  // so release never allocates
            free_.push_back(storage_.back().get());
        }
        UringMsg* msg = free_.back();
        *msg = UringMsg{};
        by_op_.emplace(&op, msg);
        free_.pop_back();
        return *msg;
    }

    // The header of `op` (nullptr if it has none); it stays valid until the
    // next acquire.
    UringMsg* release(const Operation& op) noexcept {
        auto it = by_op_.find(&op);
        if (it == by_op_.end()) return nullptr;
        UringMsg* msg = it->second;
        by_op_.erase(it);
        free_.push_back(msg);
        return msg;
    }

  private:
    std::vector<std::unique_ptr<UringMsg>> storage_;
    std::vector<UringMsg*> free_;
    std::unordered_map<const Operation*, UringMsg*> by_op_;
};

}  // namespace coronet::backend
