// Backend operations awaited from a task, per backend, over an AF_UNIX
// socketpair, beside plain syscalls doing the same transfer in the same run.
//
// io_roundtrip: send 64 bytes on one end, then recv them on the other, both
//   through OperationAwaiter. On epoll both complete inline (the driver tries
//   the syscall first), so this is the fast path plus the co-operative budget
//   (a yield every 128 inline completions). On io_uring each is a submission
//   and a completion. Baseline: blocking write() + read() of 64 bytes.
//
// pingpong: two tasks bounce one byte; the reader is always waiting when the
//   byte is sent, so every hop takes the pending path (recv fails with EAGAIN
//   or is submitted, the loop polls the backend, the waiter is woken). One
//   item is one hop (one send + one recv). Baselines: the same blocking
//   write() + read() pair, and a hand-written single-threaded epoll loop
//   doing the same bouncing (write, epoll_wait, read): the floor for the
//   pending path on epoll. There is no raw io_uring baseline: benchmarks use
//   the public API only, and liburing is a private dependency of the library.
#include <sys/epoll.h>

#include <coronet/runtime/operation_awaiter.hpp>
#include <cstring>
#include <stdexcept>

#include "common.hpp"

using namespace coronet;
using backend::BackendKind;

namespace {

constexpr std::size_t kMessage = 64;

void prepare(backend::Operation& op, backend::OpCode code, int fd, void* buffer,
             std::size_t length) {
    op.code = code;
    op.fd = fd;
    op.buffer = buffer;
    op.length = length;
}

void io_roundtrip(benchmark::State& state, BackendKind kind) {
    coronet_bench::SocketPair pair(/*nonblocking=*/true);
    char out[kMessage];
    char in[kMessage];
    std::memset(out, 'x', sizeof out);
    coronet_bench::run_on(state, kind, [&]() -> Task<void> {
        backend::Operation send_op;
        backend::Operation recv_op;
        for (auto _ : state) {
            prepare(send_op, backend::OpCode::send, pair.fd[0], out, sizeof out);
            const int sent = co_await OperationAwaiter(send_op);
            prepare(recv_op, backend::OpCode::recv, pair.fd[1], in, sizeof in);
            const int received = co_await OperationAwaiter(recv_op);
            if (sent != int{kMessage} || received != int{kMessage} || in[kMessage - 1] != 'x') {
                state.SkipWithError("short or failed send/recv");
                break;
            }
            benchmark::ClobberMemory();
        }
    });
    state.SetItemsProcessed(state.iterations());
}

// The baseline for both groups: blocking write() then read() of one message
// (64 bytes for io_roundtrip, 1 byte for pingpong).
void write_read(benchmark::State& state) {
    const auto length = static_cast<std::size_t>(state.range(0));
    coronet_bench::SocketPair pair(/*nonblocking=*/false);
    char out[kMessage];
    char in[kMessage];
    std::memset(out, 'x', sizeof out);
    for (auto _ : state) {
        const auto written = ::write(pair.fd[0], out, length);
        const auto got = ::read(pair.fd[1], in, length);
        if (written != static_cast<ssize_t>(length) || got != static_cast<ssize_t>(length)) {
            state.SkipWithError("short or failed write/read");
            break;
        }
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations());
}

void pingpong(benchmark::State& state, BackendKind kind) {
    coronet_bench::SocketPair pair(/*nonblocking=*/true);
    coronet_bench::run_on(state, kind, [&]() -> Task<void> {
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            // The echoing side: waits for a byte, sends it back; 'q' ends it.
            tg.spawn([&]() -> Task<void> {
                backend::Operation op;
                char byte = 0;
                for (;;) {
                    prepare(op, backend::OpCode::recv, pair.fd[1], &byte, 1);
                    if (co_await OperationAwaiter(op) != 1)
                        throw std::runtime_error("echo: recv failed");
                    if (byte == 'q') co_return;
                    prepare(op, backend::OpCode::send, pair.fd[1], &byte, 1);
                    if (co_await OperationAwaiter(op) != 1)
                        throw std::runtime_error("echo: send failed");
                }
            });
            backend::Operation op;
            char ping = 'p';
            char pong = 0;
            for (auto _ : state) {
                prepare(op, backend::OpCode::send, pair.fd[0], &ping, 1);
                const int sent = co_await OperationAwaiter(op);
                pong = 0;
                prepare(op, backend::OpCode::recv, pair.fd[0], &pong, 1);
                const int received = co_await OperationAwaiter(op);
                if (sent != 1 || received != 1 || pong != 'p') {
                    state.SkipWithError("ping-pong lost a byte");
                    break;
                }
            }
            char quit = 'q';
            prepare(op, backend::OpCode::send, pair.fd[0], &quit, 1);
            co_await OperationAwaiter(op);
        });
    });
    state.SetItemsProcessed(state.iterations() * 2);  // two hops per round
}

// The same bouncing written by hand on one thread: level-triggered epoll,
// both ends registered once, no speculative read.
void raw_epoll_pingpong(benchmark::State& state) {
    coronet_bench::SocketPair pair(/*nonblocking=*/true);
    const int ep = ::epoll_create1(EPOLL_CLOEXEC);
    for (int i = 0; i < 2; ++i) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = pair.fd[i];
        if (ep < 0 || ::epoll_ctl(ep, EPOLL_CTL_ADD, pair.fd[i], &ev) != 0) {
            state.SkipWithError("epoll setup failed");
            if (ep >= 0) ::close(ep);
            return;
        }
    }
    // Waits until `fd` is readable and reads its byte.
    auto await_byte = [&](int fd, char& byte) {
        epoll_event ev{};
        return ::epoll_wait(ep, &ev, 1, -1) == 1 && ev.data.fd == fd && ::read(fd, &byte, 1) == 1;
    };
    char byte = 0;
    for (auto _ : state) {
        byte = 'p';
        bool ok = ::write(pair.fd[0], &byte, 1) == 1;
        ok = ok && await_byte(pair.fd[1], byte);
        ok = ok && ::write(pair.fd[1], &byte, 1) == 1;
        byte = 0;
        ok = ok && await_byte(pair.fd[0], byte) && byte == 'p';
        if (!ok) {
            state.SkipWithError("raw epoll ping-pong failed");
            break;
        }
    }
    ::close(ep);
    state.SetItemsProcessed(state.iterations() * 2);
}

}  // namespace

BENCHMARK_CAPTURE(io_roundtrip, epoll, BackendKind::epoll)->Name("io_roundtrip/epoll");
BENCHMARK_CAPTURE(io_roundtrip, io_uring, BackendKind::io_uring)->Name("io_roundtrip/io_uring");
BENCHMARK(write_read)->Name("io_roundtrip/baseline_write_read")->Arg(kMessage);

BENCHMARK_CAPTURE(pingpong, epoll, BackendKind::epoll)->Name("pingpong/epoll");
BENCHMARK_CAPTURE(pingpong, io_uring, BackendKind::io_uring)->Name("pingpong/io_uring");
BENCHMARK(write_read)->Name("pingpong/baseline_write_read")->Arg(1);
BENCHMARK(raw_epoll_pingpong)->Name("pingpong/baseline_raw_epoll");

BENCHMARK_MAIN();
