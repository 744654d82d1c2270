#include "uring_driver.hpp"

namespace coronet::backend {

// Replaced by the io_uring backend (issue 4); until then io_uring is reported
// as unavailable, and automatic selection picks epoll.
std::unique_ptr<Driver> make_uring_driver(const DriverOptions&, std::string* why) {
    if (why) *why = "the io_uring backend is not built yet";
    return nullptr;
}

}  // namespace coronet::backend
