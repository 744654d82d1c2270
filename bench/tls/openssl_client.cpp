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

#include "openssl_common.hpp"
#include "pattern.hpp"
#include "process_cpu.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using tls_bench::openssl_error;

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
    const auto start = Clock::now();
    const double cpu_start = tls_bench::process_cpu_seconds();
    const auto stop_at = start + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(args.seconds));
    const auto hard_deadline = stop_at + std::chrono::seconds(30);
    std::uint64_t sent = 0, received = 0;
    std::size_t pending = 0;  // a write OpenSSL must be given again, unchanged
    bool sending = true, shutdown_sent = false;
    for (;;) {
        bool progress = false;
        short want = POLLIN;
        if (sending && pending == 0 && (sent >= args.max_bytes || Clock::now() >= stop_at))
            sending = false;
        if (sending) {
            if (pending == 0) pending = std::min<std::uint64_t>(kChunk, args.max_bytes - sent);
            std::size_t n = 0;
            const int r = SSL_write_ex(ssl, pattern.at(sent), pending, &n);
            if (r == 1) {
                sent += pending;
                pending = 0;
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
                // `pending` counts: a write that wanted to wait may already
                // have sent some of its records, and they can be echoed.
                if (received + n > sent + pending || !pattern.matches(received, buf.data(), n)) {
                    throw std::runtime_error(
                        "bulk: the echo differs from the data sent at offset " +
                        std::to_string(received));
                }
                received += n;
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
    const double elapsed = since(start);
    const double cpu = tls_bench::process_cpu_seconds() - cpu_start;
    SSL_free(ssl);
    close(fd);
    if (received != sent) {
        throw std::runtime_error("bulk: sent " + std::to_string(sent) + " bytes, got " +
                                 std::to_string(received) + " back");
    }
    std::printf("bulk bytes=%llu seconds=%.3f mib_per_s=%.1f cpu=%.3f verified=1\n",
                static_cast<unsigned long long>(sent), elapsed,
                static_cast<double>(sent) / (1 << 20) / elapsed, cpu);
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
    const auto start = Clock::now();
    const double cpu_start = tls_bench::process_cpu_seconds();
    const auto stop_at = start + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(args.seconds));
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
    const double elapsed = since(start);
    const double cpu = tls_bench::process_cpu_seconds() - cpu_start;
    if (failed) throw std::runtime_error(error);
    if (count == 0) throw std::runtime_error("handshakes: none completed");
    std::printf("handshakes count=%llu seconds=%.3f per_s=%.1f cpu=%.3f verified=1\n",
                static_cast<unsigned long long>(count.load()), elapsed,
                static_cast<double>(count.load()) / elapsed, cpu);
}

std::uint64_t parse_number(const char* text, const char* what) {
    char* end = nullptr;
    errno = 0;
    const unsigned long long v = std::strtoull(text, &end, 10);
    if (!*text || *end || errno || text[0] == '-')
        throw std::invalid_argument(std::string("bad ") + what + " '" + text + "'");
    return v;
}

Args parse(int argc, char** argv) {
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
    try {
        const Args args = parse(argc, argv);
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
        std::fprintf(stderr,
                     "openssl_client: %s\nusage: bench_tls_openssl_client bulk|handshakes --port P "
                     "--cafile F [--seconds S] [--max-bytes N] [--max-count N] [--concurrency C]\n",
                     e.what());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "openssl_client: %s\n", e.what());
        return 1;
    }
}
