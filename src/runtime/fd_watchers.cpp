#include "coronet/runtime/fd_watchers.hpp"

#include <fcntl.h>
#include <poll.h>

#include <cerrno>
#include <stdexcept>

#include "coronet/base/errors.hpp"
#include "coronet/runtime/loop.hpp"

namespace coronet {

// One registered callback. While its poll operation is in the backend it
// holds a reference to itself, so a removal (which only asks the backend to
// cancel) never frees an operation the backend still owns.
struct FdWatchers::Watch : std::enable_shared_from_this<Watch> {
    FdWatchers* owner = nullptr;  // null once removed
    // Shared with the owner, so a removed watch can still count itself out
    // after its owner is gone.
    std::shared_ptr<std::size_t> in_flight;
    std::function<void()> callback;
    backend::Operation op;
    std::shared_ptr<Watch> self;  // set while op is in the backend

    void arm() {
        Loop& loop = owner->loop_;
        op.result = 0;
        op.on_complete = &Watch::on_ready;
        op.context = this;
        if (loop.driver().start(op)) {
            fire();  // ready at once: the callback still runs from the ready queue
            return;
        }
        self = shared_from_this();
        ++*in_flight;
    }

    static void on_ready(backend::Operation& op) noexcept {
        auto* watch = static_cast<Watch*>(op.context);
        std::shared_ptr<Watch> keep = std::move(watch->self);
        --*watch->in_flight;
        // Removed: this was the cancellation coming back (the owner may be gone).
        if (watch->owner) watch->fire();
    }

    // Schedules one run of the callback (or reports the fd's failure).
    void fire() noexcept {
        Loop& loop = owner->loop_;
        if (op.result < 0) {
            const int error = -op.result;
            const int fd = op.fd;
            loop.call_exception_handler(
                {"fd watcher for fd " + std::to_string(fd) + " failed; the watch was dropped",
                 std::make_exception_ptr(OSError(error, "poll", "fd " + std::to_string(fd)))});
            owner->remove(op.poll_events == POLLIN ? owner->readers_ : owner->writers_, fd);
            return;
        }
        try {
            loop.call_soon([watch = shared_from_this()] { watch->run(); });
        } catch (...) {
            loop.call_exception_handler(
                {"fd watcher could not be scheduled", std::current_exception()});
        }
    }

    void run() {
        if (!owner) return;  // removed after it became ready
        // Held here while it runs: the callback may remove (or replace) this
        // watch, which must not destroy the closure that is executing.
        std::function<void()> running = std::move(callback);
        Loop& loop = owner->loop_;
        try {
            running();
        } catch (...) {
            loop.call_exception_handler(
                {"exception in an fd watcher callback", std::current_exception()});
        }
        if (!owner) return;
        callback = std::move(running);
        arm();
    }
};

FdWatchers::FdWatchers(Loop& loop) : loop_(loop), in_flight_(std::make_shared<std::size_t>(0)) {}

FdWatchers::~FdWatchers() {
    for (auto* map : {&readers_, &writers_}) {
        while (!map->empty())
            remove(*map, map->begin()->first);
    }
    // Cancellations come back through the backend. When no loop is running
    // to deliver them (the loop has finished), collect them here, so no
    // watch outlives its operation. Bounded: each poll waits at most 1 ms.
    if (!loop_.is_running()) {
        for (int i = 0; i < 1000 && *in_flight_ > 0; ++i)
            loop_.driver().poll(std::chrono::milliseconds(1));
    }
}

void FdWatchers::add_reader(int fd, std::function<void()> callback) {
    add(readers_, fd, POLLIN, std::move(callback));
}
bool FdWatchers::remove_reader(int fd) {
    loop_.check_thread("FdWatchers::remove_reader");
    return remove(readers_, fd);
}
void FdWatchers::add_writer(int fd, std::function<void()> callback) {
    add(writers_, fd, POLLOUT, std::move(callback));
}
bool FdWatchers::remove_writer(int fd) {
    loop_.check_thread("FdWatchers::remove_writer");
    return remove(writers_, fd);
}

void FdWatchers::add(Map& map, int fd, short events, std::function<void()> callback) {
    loop_.check_thread(events == POLLIN ? "FdWatchers::add_reader" : "FdWatchers::add_writer");
    if (fd < 0) throw std::invalid_argument("FdWatchers: invalid fd " + std::to_string(fd));
    if (!callback) throw std::invalid_argument("FdWatchers: the callback is empty");
    if (::fcntl(fd, F_GETFD) < 0) throw_os_error(errno, "FdWatchers", "fd " + std::to_string(fd));
    remove(map, fd);
    auto watch = std::make_shared<Watch>();
    watch->owner = this;
    watch->in_flight = in_flight_;
    watch->callback = std::move(callback);
    watch->op.code = backend::OpCode::poll;
    watch->op.fd = fd;
    watch->op.poll_events = events;
    map.emplace(fd, watch);
    try {
        watch->arm();
    } catch (...) {
        watch->owner = nullptr;
        map.erase(fd);
        throw;
    }
}

bool FdWatchers::remove(Map& map, int fd) noexcept {
    auto it = map.find(fd);
    if (it == map.end()) return false;
    std::shared_ptr<Watch> watch = std::move(it->second);
    map.erase(it);
    watch->owner = nullptr;
    watch->callback = nullptr;  // captures go now, as in asyncio
    if (watch->self) {
        // Still in the backend: ask for it back. The watch frees itself when
        // the cancellation completes.
        loop_.driver().cancel(watch->op);
    }
    return true;
}

}  // namespace coronet
