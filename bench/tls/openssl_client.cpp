// The TLS benchmark's common load client, plain OpenSSL 3 (no coronet): the
// same client drives the baseline server and coronet's, so that only the
// server differs.
//
//     bench_tls_openssl_client bulk       --port P --cafile F [--seconds S] [--max-bytes N]
//     bench_tls_openssl_client handshakes --port P --cafile F [--seconds S] [--max-count N]
//                                         [--concurrency C]
//
// bulk: one connection; sends the pattern (pattern.hpp) in 64 KiB writes
// for S seconds (or N bytes) while reading the echo, then sends
// close_notify and reads until the server's. Every echoed byte is
// compared with what was sent. Prints
//     bulk bytes=B seconds=T mib_per_s=R cpu=U verified=1
// where B is the payload echoed (B bytes went each way).
//
// handshakes: C threads, each in a loop: connect, full TLS 1.3 handshake
// (certificate verified against F, name "localhost"), 32 bytes sent and
// their echo checked, close_notify both ways, close. Prints
//     handshakes count=N seconds=T per_s=R cpu=U verified=1
//
// U is the CPU time this process used over the measured interval.
// Exits non-zero (with the reason on stderr) on any TLS error, mismatch or
// early close. Bounded: a watchdog ends the process S + 60 s after start.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench_args.hpp"
#include "client_scenarios.hpp"
#include "openssl_common.hpp"

namespace {

using tls_bench::Args;
using tls_bench::Clock;
using tls_bench::kChunk;
using tls_bench::kSmall;
using tls_bench::openssl_error;

int connect_to(int port) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    // Blocking calls give up after 10 s instead of hanging.
    timeval tv{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        const int e = errno;
        close(fd);
        throw std::runtime_error("connect to 127.0.0.1:" + std::to_string(port) + ": " +
                                 std::strerror(e));
    }
    return fd;
}

// A connected, handshaken TLS session over a blocking socket.
SSL* open_session(SSL_CTX* ctx, int fd) {
    SSL* ssl = SSL_new(ctx);
    if (!ssl) throw std::runtime_error(openssl_error("SSL_new"));
    SSL_set_fd(ssl, fd);
    SSL_set_tlsext_host_name(ssl, "localhost");
    SSL_set1_host(ssl, "localhost");
    ERR_clear_error();
    if (SSL_connect(ssl) != 1) {
        SSL_free(ssl);
        throw std::runtime_error(openssl_error("TLS handshake failed"));
    }
    return ssl;
}

[[noreturn]] void ssl_fail(SSL* ssl, int r, const char* what) {
    const int e = SSL_get_error(ssl, r);
    if (e == SSL_ERROR_ZERO_RETURN)
        throw std::runtime_error(std::string(what) + ": the server closed the session early");
    if (e == SSL_ERROR_SYSCALL)
        throw std::runtime_error(std::string(what) + ": " +
                                 (errno ? std::strerror(errno) : "unexpected EOF"));
    throw std::runtime_error(
        openssl_error(std::string(what) + " failed (SSL error " + std::to_string(e) + ")"));
}

void wait_fd(int fd, short events, Clock::time_point hard_deadline) {
    if (Clock::now() > hard_deadline) throw std::runtime_error("bulk: no progress, giving up");
    pollfd p{fd, events, 0};
    poll(&p, 1, 1000);
}

void run_bulk(const Args& args, SSL_CTX* ctx) {
    const tls_bench::Pattern pattern;
    std::vector<unsigned char> buf(kChunk);
    const int fd = connect_to(args.port);
    SSL* ssl = open_session(ctx, fd);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    const tls_bench::Interval interval;
    const auto stop_at = interval.after(args.seconds);
    const auto hard_deadline = stop_at + std::chrono::seconds(30);
    // A piece stays in flight until SSL_write takes it: a write that wanted
    // to wait must be given again, unchanged, and may already have sent some
    // of its records, which can be echoed.
    tls_bench::BulkTally bulk(pattern, args.max_bytes, stop_at);
    bool sending = true, shutdown_sent = false;
    for (;;) {
        bool progress = false;
        short want = POLLIN;
        if (sending && !bulk.in_flight() && !bulk.more()) sending = false;
        if (sending) {
            const std::size_t piece = bulk.piece();
            std::size_t n = 0;
            const int r = SSL_write_ex(ssl, bulk.piece_data(), piece, &n);
            if (r == 1) {
                bulk.piece_sent();
                progress = true;
            } else if (SSL_get_error(ssl, r) == SSL_ERROR_WANT_WRITE) {
                want |= POLLOUT;
            } else if (SSL_get_error(ssl, r) != SSL_ERROR_WANT_READ) {
                ssl_fail(ssl, r, "SSL_write");
            }
        } else if (!shutdown_sent) {
            const int r = SSL_shutdown(ssl);  // half-close (TLS 1.3): the echo goes on
            if (r >= 0) {
                shutdown_sent = true;
                progress = true;
            } else if (SSL_get_error(ssl, r) == SSL_ERROR_WANT_WRITE) {
                want |= POLLOUT;
            } else if (SSL_get_error(ssl, r) != SSL_ERROR_WANT_READ) {
                ssl_fail(ssl, r, "SSL_shutdown");
            }
        }
        bool closed = false;
        for (int i = 0; i < 16; ++i) {
            std::size_t n = 0;
            const int r = SSL_read_ex(ssl, buf.data(), buf.size(), &n);
            if (r == 1) {
                bulk.echoed(buf.data(), n);
                progress = true;
                continue;
            }
            const int e = SSL_get_error(ssl, r);
            if (e == SSL_ERROR_WANT_READ) break;
            if (e == SSL_ERROR_WANT_WRITE) {
                want |= POLLOUT;
                break;
            }
            if (e == SSL_ERROR_ZERO_RETURN && shutdown_sent) {
                closed = true;
                break;
            }
            ssl_fail(ssl, r, "SSL_read");
        }
        if (closed) break;
        if (!progress) wait_fd(fd, want, hard_deadline);
    }
    const double elapsed = interval.elapsed();
    const double cpu = interval.cpu();
    SSL_free(ssl);
    close(fd);
    bulk.report(elapsed, cpu);
}

// One connection of the handshake scenario; `k` varies the bytes sent.
void one_handshake(SSL_CTX* ctx, int port, const tls_bench::Pattern& pattern, std::uint64_t k) {
    const int fd = connect_to(port);
    SSL* ssl = nullptr;
    try {
        ssl = open_session(ctx, fd);
        const std::uint64_t offset = k * 977;
        std::size_t n = 0;
        int r = SSL_write_ex(ssl, pattern.at(offset), kSmall, &n);
        if (r != 1) ssl_fail(ssl, r, "SSL_write");
        unsigned char buf[kSmall];
        std::size_t got = 0;
        while (got < kSmall) {
            r = SSL_read_ex(ssl, buf + got, kSmall - got, &n);
            if (r != 1) ssl_fail(ssl, r, "SSL_read");
            got += n;
        }
        if (!pattern.matches(offset, buf, kSmall))
            throw std::runtime_error("handshakes: the echo differs from the data sent");
        if (SSL_shutdown(ssl) < 0) ssl_fail(ssl, -1, "SSL_shutdown");
        // The server's close_notify: after it the server has closed, so our
        // close sends no reset.
        r = SSL_read_ex(ssl, buf, sizeof buf, &n);
        if (r == 1) throw std::runtime_error("handshakes: unexpected data after the echo");
        if (SSL_get_error(ssl, r) != SSL_ERROR_ZERO_RETURN)
            ssl_fail(ssl, r, "waiting for close_notify");
    } catch (...) {
        SSL_free(ssl);
        close(fd);
        throw;
    }
    SSL_free(ssl);
    close(fd);
}

void run_handshakes(const Args& args, SSL_CTX* ctx) {
    const tls_bench::Pattern pattern;
    std::atomic<std::uint64_t> count{0};
    std::atomic<bool> failed{false};
    std::string error;
    std::atomic_flag error_set = ATOMIC_FLAG_INIT;
    const tls_bench::Interval interval;
    const auto stop_at = interval.after(args.seconds);
    std::vector<std::thread> threads;
    for (int t = 0; t < args.concurrency; ++t) {
        threads.emplace_back([&] {
            try {
                while (!failed && Clock::now() < stop_at) {
                    const std::uint64_t k = count.fetch_add(1);
                    if (k >= args.max_count) {
                        count.fetch_sub(1);
                        break;
                    }
                    one_handshake(ctx, args.port, pattern, k);
                }
            } catch (const std::exception& e) {
                if (!error_set.test_and_set()) error = e.what();
                failed = true;
            }
        });
    }
    for (auto& t : threads)
        t.join();
    const double elapsed = interval.elapsed();
    const double cpu = interval.cpu();
    if (failed) throw std::runtime_error(error);
    tls_bench::report_handshakes(count.load(), elapsed, cpu);
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const Args args = tls_bench::parse_args(argc, argv);
        // Watchdog: whatever happens, the process ends.
        alarm(static_cast<unsigned>(args.seconds) + 60);
        SSL_CTX* ctx = tls_bench::client_context(args.cafile);
        if (args.mode == "bulk") {
            run_bulk(args, ctx);
        } else {
            run_handshakes(args, ctx);
        }
        SSL_CTX_free(ctx);
        return 0;
    } catch (const std::invalid_argument& e) {
        return tls_bench::usage_error("openssl_client", e.what());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "openssl_client: %s\n", e.what());
        return 1;
    }
}
