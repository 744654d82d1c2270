// The stream layer's per-request cost: SocketStream send + receive of 64
// bytes over an AF_UNIX socketpair, beside the same transfer through bare
// backend operations and through blocking syscalls, in the same run.
//
// stream_roundtrip/<backend>: a.send(64 B) then b.receive() on SocketStreams
//   (frame-free awaitables; the receive goes through a driver-provided buffer
//   and is copied out into the returned Bytes).
// stream_roundtrip/ops_<backend>: the same send and recv as two
//   OperationAwaiters on the raw fds: what the stream layer adds is the
//   difference.
// stream_roundtrip/baseline_write_read: blocking write() + read().
#include <coronet/runtime/operation_awaiter.hpp>
#include <cstring>

#include "common.hpp"

using namespace coronet;
using backend::BackendKind;

namespace {

constexpr std::size_t kMessage = 64;

void stream_roundtrip(benchmark::State& state, BackendKind kind) {
    coronet_bench::run_on(state, kind, [&]() -> Task<void> {
        auto [left, right] = net::socketpair();
        SocketStream a(std::move(left));
        SocketStream b(std::move(right));
        const std::string message(kMessage, 'x');
        for (auto _ : state) {
            co_await a.send(message);
            Bytes got = co_await b.receive();
            if (got.size() != kMessage) {
                state.SkipWithError("short receive");
                break;
            }
            benchmark::DoNotOptimize(got.data());
        }
    });
    state.SetItemsProcessed(state.iterations());
}

void ops_roundtrip(benchmark::State& state, BackendKind kind) {
    coronet_bench::SocketPair pair(/*nonblocking=*/true);
    char out[kMessage];
    char in[kMessage];
    std::memset(out, 'x', sizeof out);
    coronet_bench::run_on(state, kind, [&]() -> Task<void> {
        backend::Operation op;
        for (auto _ : state) {
            op.code = backend::OpCode::send;
            op.fd = pair.fd[0];
            op.buffer = out;
            op.length = sizeof out;
            const int sent = co_await OperationAwaiter(op);
            op.code = backend::OpCode::recv;
            op.fd = pair.fd[1];
            op.buffer = in;
            op.length = sizeof in;
            const int received = co_await OperationAwaiter(op);
            if (sent != int{kMessage} || received != int{kMessage}) {
                state.SkipWithError("short or failed send/recv");
                break;
            }
            benchmark::ClobberMemory();
        }
    });
    state.SetItemsProcessed(state.iterations());
}

void write_read(benchmark::State& state) {
    coronet_bench::SocketPair pair(/*nonblocking=*/false);
    char out[kMessage];
    char in[kMessage];
    std::memset(out, 'x', sizeof out);
    for (auto _ : state) {
        if (::write(pair.fd[0], out, sizeof out) != ssize_t{kMessage} ||
            ::read(pair.fd[1], in, sizeof in) != ssize_t{kMessage}) {
            state.SkipWithError("short or failed write/read");
            break;
        }
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations());
}

}  // namespace

BENCHMARK_CAPTURE(stream_roundtrip, epoll, BackendKind::epoll)->Name("stream_roundtrip/epoll");
BENCHMARK_CAPTURE(stream_roundtrip, io_uring, BackendKind::io_uring)
    ->Name("stream_roundtrip/io_uring");
BENCHMARK_CAPTURE(ops_roundtrip, epoll, BackendKind::epoll)->Name("stream_roundtrip/ops_epoll");
BENCHMARK_CAPTURE(ops_roundtrip, io_uring, BackendKind::io_uring)
    ->Name("stream_roundtrip/ops_io_uring");
BENCHMARK(write_read)->Name("stream_roundtrip/baseline_write_read");

BENCHMARK_MAIN();
