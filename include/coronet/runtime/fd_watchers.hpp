// asyncio's callback-style fd watching: add_reader / remove_reader /
// add_writer / remove_writer.
//
//     FdWatchers watchers(loop);                          // or EventLoop's own
//     watchers.add_reader(fd, [&] { drain(fd); });        // runs while fd is readable
//     ...
//     bool had_one = watchers.remove_reader(fd);
//
// A callback runs on the loop, as a call_soon callback, each time the fd is
// ready, until removed (level-triggered, as in asyncio: a reader that does not
// consume the data runs again on the next iteration). Adding a second reader
// (or writer) for an fd replaces the first. An exception thrown by a callback
// goes to the loop's exception handler; the watch stays. If the fd fails
// (EBADF: closed without remove_reader), the error goes to the handler and
// the watch is dropped.
//
// Destroying the FdWatchers removes every watch it holds. Each instance
// belongs to one loop and its thread.
#pragma once

#include <functional>
#include <memory>
#include <unordered_map>

namespace coronet {

class Loop;

class FdWatchers {
  public:
    explicit FdWatchers(Loop& loop);
    FdWatchers(const FdWatchers&) = delete;
    FdWatchers& operator=(const FdWatchers&) = delete;
    ~FdWatchers();

    void add_reader(int fd, std::function<void()> callback);
    // True if a reader was registered for fd.
    bool remove_reader(int fd);
    void add_writer(int fd, std::function<void()> callback);
    bool remove_writer(int fd);

    // Watches still waiting in the backend (including removed ones whose
    // cancellation has not come back yet).
    std::size_t in_flight() const noexcept { return *in_flight_; }

  private:
    struct Watch;
    using Map = std::unordered_map<int, std::shared_ptr<Watch>>;
    void add(Map& map, int fd, short events, std::function<void()> callback);
    bool remove(Map& map, int fd) noexcept;

    Loop& loop_;
    Map readers_;
    Map writers_;
    std::shared_ptr<std::size_t> in_flight_;
};

}  // namespace coronet
