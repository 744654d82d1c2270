#include <cstdlib>
#include <stdexcept>
#include <string>

#include "coronet/backend/driver.hpp"
#include "epoll_driver.hpp"
#include "uring_driver.hpp"

namespace coronet::backend {

BackendKind backend_from_environment() {
    const char* value = std::getenv("CORONET_BACKEND");
    if (!value || !*value) return BackendKind::automatic;
    const std::string name(value);
    if (name == "epoll") return BackendKind::epoll;
    if (name == "io_uring" || name == "uring") return BackendKind::io_uring;
    if (name == "auto") return BackendKind::automatic;
    throw std::invalid_argument("CORONET_BACKEND=" + name +
                                " is not a backend: use epoll, io_uring or auto");
}

bool io_uring_available(std::string* why) {
    DriverOptions probe;
    probe.ring_entries = 8;
    probe.provided_buffer_count = 1;
    return make_uring_driver(probe, why) != nullptr;
}

std::unique_ptr<Driver> make_driver(DriverOptions options) {
    if (options.kind == BackendKind::automatic) options.kind = backend_from_environment();
    switch (options.kind) {
        case BackendKind::epoll:
            return std::make_unique<EpollDriver>(options);
        case BackendKind::io_uring: {
            std::string why;
            auto driver = make_uring_driver(options, &why);
            if (!driver)
                throw std::runtime_error("io_uring backend requested but unavailable: " + why);
            return driver;
        }
        case BackendKind::automatic:
            break;
    }
    if (auto driver = make_uring_driver(options, nullptr)) return driver;
    return std::make_unique<EpollDriver>(options);
}

}  // namespace coronet::backend
