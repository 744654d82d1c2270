// coronet's runtime at work, printing what happens: tasks, a task group, a
// timeout, a failing child cancelling its siblings, and a few bytes over a
// socketpair through the backend's operations.
//
// Run: build/release/examples/demo   (CORONET_BACKEND=epoll|io_uring to choose)
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <coronet/coronet.hpp>
#include <coronet/runtime/operation_awaiter.hpp>
#include <cstdio>
#include <stdexcept>
#include <string>

using namespace coronet;
using namespace std::chrono_literals;

namespace {

double elapsed_ms(TimePoint start) {
    return std::chrono::duration<double, std::milli>(current_time() - start).count();
}

Task<void> worker(std::string name, Duration delay, TimePoint start) {
    co_await sleep(delay);
    std::printf("  %-8s finished after %5.1f ms\n", name.c_str(), elapsed_ms(start));
}

// Sends all of `data` on a non-blocking socket through the backend.
Task<void> send_all(int fd, BytesView data) {
    while (!data.empty()) {
        backend::Operation op;
        op.code = backend::OpCode::send;
        op.fd = fd;
        op.buffer = const_cast<std::byte*>(data.data());
        op.length = data.size();
        const int sent = co_await OperationAwaiter(op);
        if (sent < 0) throw_os_error(-sent, "send");
        data = data.subview(static_cast<std::size_t>(sent));
    }
}

Task<Bytes> receive_some(int fd, std::size_t max_bytes) {
    Bytes buffer;
    buffer.resize_uninitialized(max_bytes);
    backend::Operation op;
    op.code = backend::OpCode::recv;
    op.fd = fd;
    op.buffer = buffer.data();
    op.length = buffer.size();
    const int received = co_await OperationAwaiter(op);
    if (received < 0) throw_os_error(-received, "recv");
    if (received == 0) throw EndOfStream();
    buffer.resize(static_cast<std::size_t>(received));
    co_return buffer;
}

Task<void> tasks_in_a_group() {
    std::printf("1. Three tasks in a task group (they run concurrently):\n");
    const TimePoint start = current_time();
    co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
        tg.spawn(worker("slow", 30ms, start));
        tg.spawn(worker("fast", 10ms, start));
        tg.spawn(worker("medium", 20ms, start));
        co_return;
    });
    std::printf("  group joined after %.1f ms (not 60: they overlapped)\n\n", elapsed_ms(start));
}

Task<void> a_timeout() {
    std::printf("2. A timeout: move_on_after(20ms, sleep(1s)):\n");
    const TimePoint start = current_time();
    const bool finished = co_await move_on_after(20ms, sleep(1s));
    std::printf("  finished=%s, gave up after %.1f ms\n", finished ? "true" : "false",
                elapsed_ms(start));
    try {
        co_await fail_after(10ms, sleep(1s));
    } catch (const TimeoutError& e) {
        std::printf("  fail_after raised TimeoutError: \"%s\"\n\n", e.what());
    }
}

Task<void> a_failing_child() {
    std::printf("3. A child fails: its sibling is cancelled, the group raises:\n");
    try {
        co_await with_task_group([](TaskGroup& tg) -> Task<void> {
            tg.spawn([]() -> Task<void> {
                try {
                    co_await sleep(1h);
                } catch (const Cancelled&) {
                    std::printf("  sibling: cancelled, as the failure demands\n");
                    throw;
                }
            });
            tg.spawn([]() -> Task<void> {
                co_await sleep(5ms);
                throw std::runtime_error("database unreachable");
            });
            co_return;
        });
    } catch (const ExceptionGroup& group) {
        std::printf("  caught: %s\n\n", describe_exception(std::current_exception()).c_str());
    }
}

Task<void> bytes_over_a_socketpair() {
    std::printf("4. Bytes over a socketpair (backend operations, one task each side):\n");
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) {
        throw_os_error(errno, "socketpair");
    }
    co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
        tg.spawn([&]() -> Task<void> {
            Bytes name = co_await receive_some(fds[1], 1024);
            std::printf("  server got \"%s\"\n", escape_bytes(name).c_str());
            co_await send_all(fds[1], concat("Hello, ", name, "\n"));
        });
        co_await send_all(fds[0], "coronet");
        Bytes reply = co_await receive_some(fds[0], 1024);
        std::printf("  client got \"%s\"\n\n", escape_bytes(reply).c_str());
    });
    Loop::current().driver().forget_fd(fds[0]);
    Loop::current().driver().forget_fd(fds[1]);
    ::close(fds[0]);
    ::close(fds[1]);
}

Task<void> amain() {
    std::printf("coronet demo, backend: %s\n\n", backend_name().c_str());
    co_await tasks_in_a_group();
    co_await a_timeout();
    co_await a_failing_child();
    co_await bytes_over_a_socketpair();
    std::printf("all done\n");
}

}  // namespace

int main() {
    try {
        return run(amain);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "demo failed: %s\n", e.what());
        return 1;
    }
}
