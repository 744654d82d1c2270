// The TLS benchmark's client written with coronet: the same two scenarios
// and the same output as the plain-OpenSSL load client
// (openssl_client.cpp), for the client-side comparison and the smoke test.
//
//     bench_tls_coronet_client bulk       --port P --cafile F [--seconds S] [--max-bytes N]
//                                         [--backend epoll|io_uring|auto]
//     bench_tls_coronet_client handshakes --port P --cafile F [--seconds S] [--max-count N]
//                                         [--concurrency C] [--backend ...]
//
// bulk: one TLSStream; a sender task sends the pattern in 64 KiB pieces for
// S seconds (or N bytes), then send_eof() (close_notify, TLS 1.3
// half-close); a receiver task compares every echoed byte with what was
// sent until the server's close_notify.
// handshakes: C tasks, each in a loop: connect_tcp with TLS (full
// handshake, certificate checked for "localhost"), 32 bytes echoed and
// checked, send_eof(), wait for the server's close_notify, aclose().
// The context: create_default_context with the CA file, TLS 1.3 minimum.
// Output lines as openssl_client's (with cpu=, this process's CPU time).
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>

#include <coronet/coronet.hpp>

#include "../echo/echo_main.hpp"
#include "bench_args.hpp"
#include "client_scenarios.hpp"

using namespace coronet;
using namespace std::chrono_literals;

namespace {

using tls_bench::Args;
using tls_bench::Clock;
using tls_bench::kChunk;
using tls_bench::kSmall;

std::shared_ptr<SSLContext> client_context(const Args& args) {
    auto ctx = create_default_context(Purpose::server_auth, args.cafile);
    ctx->set_minimum_version(TLSVersion::TLSv1_3);
    return ctx;
}

Task<void> send_side(tls_bench::BulkTally& bulk, TLSStream& stream) {
    while (bulk.more()) {
        const std::size_t n = bulk.piece();
        co_await stream.send(BytesView(bulk.piece_data(), n));
        bulk.piece_sent();
    }
    co_await stream.send_eof();
}

Task<void> receive_side(tls_bench::BulkTally& bulk, TLSStream& stream) {
    try {
        for (;;) {
            Bytes data = co_await stream.receive(kChunk);
            bulk.echoed(data.data(), data.size());
        }
    } catch (const EndOfStream&) {
    }
}

Task<void> run_bulk(Args args) {
    const tls_bench::Pattern pattern;
    auto ctx = client_context(args);
    TLSStream stream = co_await connect_tcp(
        "127.0.0.1", args.port, {.tls = true, .ssl_context = ctx, .tls_hostname = "localhost"});
    const tls_bench::Interval interval;
    tls_bench::BulkTally bulk(pattern, args.max_bytes, interval.after(args.seconds));
    co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
        tg.spawn(send_side(bulk, stream));
        tg.spawn(receive_side(bulk, stream));
        co_return;
    });
    const double elapsed = interval.elapsed();
    const double cpu = interval.cpu();
    co_await stream.aclose();
    bulk.report(elapsed, cpu);
}

struct Handshakes {
    const tls_bench::Pattern* pattern;
    std::shared_ptr<SSLContext> ctx;
    int port;
    Clock::time_point stop_at;
    std::uint64_t max_count;
    std::uint64_t next = 0;
};

Task<void> one_handshake(Handshakes& h, std::uint64_t k) {
    TLSStream stream = co_await connect_tcp(
        "127.0.0.1", h.port, {.tls = true, .ssl_context = h.ctx, .tls_hostname = "localhost"});
    const std::uint64_t offset = k * 977;
    co_await stream.send(BytesView(h.pattern->at(offset), kSmall));
    Bytes got;
    while (got.size() < kSmall) {
        Bytes part = co_await stream.receive(kSmall - got.size());
        got.append(part);
    }
    if (!h.pattern->matches(offset, got.data(), got.size()))
        throw std::runtime_error("handshakes: the echo differs from the data sent");
    co_await stream.send_eof();
    bool closed = false;
    try {
        co_await stream.receive();
    } catch (const EndOfStream&) {
        closed = true;
    }
    co_await stream.aclose();
    if (!closed) throw std::runtime_error("handshakes: unexpected data after the echo");
}

Task<void> handshake_worker(Handshakes& h) {
    while (Clock::now() < h.stop_at && h.next < h.max_count) {
        co_await one_handshake(h, h.next++);
    }
}

Task<void> run_handshakes(Args args) {
    const tls_bench::Pattern pattern;
    const tls_bench::Interval interval;
    Handshakes h{&pattern, client_context(args), args.port, interval.after(args.seconds),
                 args.max_count};
    co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
        for (int i = 0; i < args.concurrency; ++i)
            tg.spawn(handshake_worker(h));
        co_return;
    });
    tls_bench::report_handshakes(h.next, interval.elapsed(), interval.cpu());
}

Task<void> run_mode(Args args) {
    if (args.mode == "bulk") {
        co_await run_bulk(args);
    } else {
        co_await run_handshakes(args);
    }
}

}  // namespace

int main(int argc, char** argv) {
    Args args;
    LoopOptions options;
    try {
        args = tls_bench::parse_args(argc, argv, [&](std::string_view option, const char* value) {
            if (option != "--backend") return false;
            options.driver.kind = echo_bench::parse_backend(value);
            return true;
        });
    } catch (const std::invalid_argument& e) {
        return tls_bench::usage_error("coronet_client", e.what(),
                                      " [--backend epoll|io_uring|auto]");
    }
    try {
        const double limit = args.seconds + 60;
        auto bounded = [&]() -> Task<void> {
            co_await fail_after(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::duration<double>(limit)),
                                run_mode(args));
        };
        return run_with(options, bounded);
    } catch (const ExceptionGroup& group) {
        for (const auto& error : group.exceptions())
            std::fprintf(stderr, "coronet_client: %s\n", describe_exception(error).c_str());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "coronet_client: %s\n", e.what());
        return 1;
    }
}
