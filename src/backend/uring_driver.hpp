// The io_uring implementation of Driver (liburing).
#pragma once

#include <memory>
#include <string>

#include "coronet/backend/driver.hpp"

namespace coronet::backend {

// Creates the io_uring driver, or returns nullptr and says why in `why` when
// the kernel or a sandbox does not allow it.
std::unique_ptr<Driver> make_uring_driver(const DriverOptions& options, std::string* why);

}  // namespace coronet::backend
