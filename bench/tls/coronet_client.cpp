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
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>

#include <coronet/coronet.hpp>

#include "pattern.hpp"
#include "process_cpu.hpp"

using namespace coronet;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

struct Args {
    std::string mode;
    int port = 0;
    std::string cafile;
    double seconds = 2.0;
    std::uint64_t max_bytes = UINT64_MAX;
    std::uint64_t max_count = UINT64_MAX;
    int concurrency = 1;
};

constexpr std::size_t kChunk = 64 << 10;
constexpr std::size_t kSmall = 32;

double since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

std::shared_ptr<SSLContext> client_context(const Args& args) {
    auto ctx = create_default_context(Purpose::server_auth, args.cafile);
    ctx->set_minimum_version(TLSVersion::TLSv1_3);
    return ctx;
}

struct Bulk {
    const tls_bench::Pattern* pattern;
    TLSStream* stream;
    Clock::time_point stop_at;
    std::uint64_t max_bytes;
    std::uint64_t sent = 0;
    // Counted before send() returns: the server may echo part of a piece
    // while the rest of it is still being written.
    std::uint64_t offered = 0;
    std::uint64_t received = 0;
};

Task<void> send_side(Bulk& b) {
    while (b.sent < b.max_bytes && Clock::now() < b.stop_at) {
        const std::size_t n =
            static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, b.max_bytes - b.sent));
        b.offered = b.sent + n;
        co_await b.stream->send(BytesView(b.pattern->at(b.sent), n));
        b.sent += n;
    }
    co_await b.stream->send_eof();
}

Task<void> receive_side(Bulk& b) {
    try {
        for (;;) {
            Bytes data = co_await b.stream->receive(kChunk);
            if (b.received + data.size() > b.offered ||
                !b.pattern->matches(b.received, data.data(), data.size())) {
                throw std::runtime_error("bulk: the echo differs from the data sent at offset " +
                                         std::to_string(b.received));
            }
            b.received += data.size();
        }
    } catch (const EndOfStream&) {
    }
}

Task<void> run_bulk(Args args) {
    const tls_bench::Pattern pattern;
    auto ctx = client_context(args);
    TLSStream stream = co_await connect_tcp(
        "127.0.0.1", args.port, {.tls = true, .ssl_context = ctx, .tls_hostname = "localhost"});
    const auto start = Clock::now();
    const double cpu_start = tls_bench::process_cpu_seconds();
    Bulk b{&pattern, &stream,
           start + std::chrono::duration_cast<Clock::duration>(
                       std::chrono::duration<double>(args.seconds)),
           args.max_bytes};
    co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
        tg.spawn(send_side(b));
        tg.spawn(receive_side(b));
        co_return;
    });
    const double elapsed = since(start);
    const double cpu = tls_bench::process_cpu_seconds() - cpu_start;
    co_await stream.aclose();
    if (b.received != b.sent) {
        throw std::runtime_error("bulk: sent " + std::to_string(b.sent) + " bytes, got " +
                                 std::to_string(b.received) + " back");
    }
    std::printf("bulk bytes=%llu seconds=%.3f mib_per_s=%.1f cpu=%.3f verified=1\n",
                static_cast<unsigned long long>(b.sent), elapsed,
                static_cast<double>(b.sent) / (1 << 20) / elapsed, cpu);
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
    const auto start = Clock::now();
    const double cpu_start = tls_bench::process_cpu_seconds();
    Handshakes h{&pattern, client_context(args), args.port,
                 start + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>(args.seconds)),
                 args.max_count};
    co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
        for (int i = 0; i < args.concurrency; ++i)
            tg.spawn(handshake_worker(h));
        co_return;
    });
    const double elapsed = since(start);
    const double cpu = tls_bench::process_cpu_seconds() - cpu_start;
    if (h.next == 0) throw std::runtime_error("handshakes: none completed");
    std::printf("handshakes count=%llu seconds=%.3f per_s=%.1f cpu=%.3f verified=1\n",
                static_cast<unsigned long long>(h.next), elapsed,
                static_cast<double>(h.next) / elapsed, cpu);
}

Task<void> run_mode(Args args) {
    if (args.mode == "bulk") {
        co_await run_bulk(args);
    } else {
        co_await run_handshakes(args);
    }
}

std::uint64_t parse_number(const char* text, const char* what) {
    char* end = nullptr;
    errno = 0;
    const unsigned long long v = std::strtoull(text, &end, 10);
    if (!*text || *end || errno || text[0] == '-')
        throw std::invalid_argument(std::string("bad ") + what + " '" + text + "'");
    return v;
}

backend::BackendKind parse_backend(std::string_view name) {
    if (name == "epoll") return backend::BackendKind::epoll;
    if (name == "io_uring") return backend::BackendKind::io_uring;
    if (name == "auto") return backend::BackendKind::automatic;
    throw std::invalid_argument("unknown backend '" + std::string(name) +
                                "' (want epoll, io_uring or auto)");
}

Args parse(int argc, char** argv, LoopOptions& options) {
    Args a;
    if (argc < 2) throw std::invalid_argument("missing mode (bulk or handshakes)");
    a.mode = argv[1];
    if (a.mode != "bulk" && a.mode != "handshakes")
        throw std::invalid_argument("unknown mode '" + a.mode + "' (want bulk or handshakes)");
    for (int i = 2; i < argc; ++i) {
        const std::string_view o = argv[i];
        if (i + 1 >= argc)
            throw std::invalid_argument("option '" + std::string(o) + "' needs a value");
        const char* v = argv[++i];
        if (o == "--port") {
            a.port = static_cast<int>(parse_number(v, "port"));
        } else if (o == "--cafile") {
            a.cafile = v;
        } else if (o == "--seconds") {
            a.seconds = std::atof(v);
        } else if (o == "--max-bytes") {
            a.max_bytes = parse_number(v, "byte count");
        } else if (o == "--max-count") {
            a.max_count = parse_number(v, "count");
        } else if (o == "--concurrency") {
            a.concurrency = static_cast<int>(parse_number(v, "concurrency"));
        } else if (o == "--backend") {
            options.driver.kind = parse_backend(v);
        } else {
            throw std::invalid_argument("unknown option '" + std::string(o) + "'");
        }
    }
    if (a.port < 1 || a.port > 65535) throw std::invalid_argument("--port 1-65535 is required");
    if (a.cafile.empty()) throw std::invalid_argument("--cafile is required");
    if (!(a.seconds > 0 && a.seconds <= 600))
        throw std::invalid_argument("--seconds must be in (0, 600]");
    if (a.concurrency < 1 || a.concurrency > 64)
        throw std::invalid_argument("--concurrency must be 1-64");
    if (a.max_bytes == 0 || a.max_count == 0)
        throw std::invalid_argument("limits must be positive");
    return a;
}

}  // namespace

int main(int argc, char** argv) {
    Args args;
    LoopOptions options;
    try {
        args = parse(argc, argv, options);
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr,
                     "coronet_client: %s\nusage: bench_tls_coronet_client bulk|handshakes --port P "
                     "--cafile F [--seconds S] [--max-bytes N] [--max-count N] [--concurrency C] "
                     "[--backend epoll|io_uring|auto]\n",
                     e.what());
        return 2;
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
