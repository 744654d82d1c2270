#include "exec_service.hpp"

#include <chrono>
#include <exception>

#include "pump.hpp"

namespace coronet::cli {

namespace {

// How long a peer may go on sending after the child has exited.
constexpr std::chrono::seconds kLinger{1};

// The connection -> the child's stdin, whose close is the child's end of
// input. A child that exits without reading everything breaks the pipe:
// from then on the input is read and dropped.
Task<void> feed_child(ByteStream& connection, PipeSendStream& child_stdin) {
    bool child_reading = true;
    for (;;) {
        Bytes chunk;
        try {
            chunk = co_await connection.receive();
        } catch (const EndOfStream&) {
            break;
        }
        if (!child_reading) continue;
        try {
            co_await child_stdin.send(chunk);
        } catch (const BrokenResourceError&) {
            child_reading = false;
        }
    }
    co_await child_stdin.aclose();
}

}  // namespace

Task<void> serve_exec(ByteStream& connection, std::string command) {
    ProcessOptions spawn;
    spawn.stderr = INHERIT;
    Process child = open_process(Command(command), spawn);
    std::exception_ptr failure;
    try {
        CancelScope input;
        Event input_done;
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            tg.spawn([&]() -> Task<void> {
                co_await input.run(feed_child(connection, child.stdin()));
                input_done.set();
            });
            co_await copy_stream(child.stdout(), connection);
            co_await child.wait();
            co_await move_on_after(kLinger, input_done.wait());
            input.cancel();
        });
    } catch (...) {
        failure = std::current_exception();
    }
    if (failure) child.kill();
    CancelScope shielded(kNoDeadline, /*shield=*/true);  // also after Ctrl-C
    co_await shielded.run([&]() -> Task<void> {
        co_await child.aclose();
        co_await connection.aclose();
    }());
    if (failure) std::rethrow_exception(failure);
}

}  // namespace coronet::cli
