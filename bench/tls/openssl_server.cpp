// The TLS benchmark's baseline server: a TLS echo server written directly
// against OpenSSL 3 and epoll, no coronet. Single-threaded, non-blocking,
// level-triggered epoll, OpenSSL over the socket (SSL_set_fd), one 16 KiB
// buffer per connection (one TLS record): read a record, write it back,
// stop reading while the write is blocked. A peer's close_notify is
// answered with ours, then the socket is closed.
//
//     bench_tls_openssl_server --cert F --key F PORT
//
// Listens on 127.0.0.1:PORT (0 picks a free port) and prints "port N" on
// stdout once listening; runs until killed. Context settings: see
// openssl_common.hpp (the same as coronet's server context).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "openssl_common.hpp"

namespace {

constexpr int kRecord = 16384;
// SSL calls per connection per wake-up before the others get a turn.
constexpr int kBudget = 64;

struct Conn {
    int fd = -1;
    SSL* ssl = nullptr;
    bool established = false;
    bool queued = false;  // in the ready list: data may wait inside OpenSSL
    uint32_t events = 0;  // what epoll watches for it
    std::size_t out_len = 0;
    unsigned char buf[kRecord];
};

int g_epoll = -1;
std::vector<Conn*> g_ready;

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "openssl_server: %s\n", what.c_str());
    std::exit(1);
}

void watch(Conn* c, uint32_t events) {
    if (c->events == events) return;
    epoll_event ev{};
    ev.events = events;
    ev.data.ptr = c;
    if (epoll_ctl(g_epoll, EPOLL_CTL_MOD, c->fd, &ev) != 0) die("epoll_ctl MOD");
    c->events = events;
}

void close_conn(Conn* c) {
    epoll_ctl(g_epoll, EPOLL_CTL_DEL, c->fd, nullptr);
    SSL_free(c->ssl);
    close(c->fd);
    for (auto& r : g_ready)
        if (r == c) r = nullptr;
    delete c;
}

// Advances one connection as far as it can go without blocking.
void drive(Conn* c) {
    ERR_clear_error();
    if (!c->established) {
        const int r = SSL_do_handshake(c->ssl);
        if (r != 1) {
            const int e = SSL_get_error(c->ssl, r);
            if (e == SSL_ERROR_WANT_READ) return watch(c, EPOLLIN);
            if (e == SSL_ERROR_WANT_WRITE) return watch(c, EPOLLOUT);
            return close_conn(c);
        }
        c->established = true;
    }
    for (int i = 0; i < kBudget; ++i) {
        std::size_t n = 0;
        if (c->out_len > 0) {
            const int r = SSL_write_ex(c->ssl, c->buf, c->out_len, &n);
            if (r != 1) {
                const int e = SSL_get_error(c->ssl, r);
                if (e == SSL_ERROR_WANT_WRITE) return watch(c, EPOLLOUT);
                if (e == SSL_ERROR_WANT_READ) return watch(c, EPOLLIN);
                return close_conn(c);
            }
            c->out_len = 0;
        }
        const int r = SSL_read_ex(c->ssl, c->buf, sizeof c->buf, &n);
        if (r == 1) {
            c->out_len = n;
            continue;
        }
        const int e = SSL_get_error(c->ssl, r);
        if (e == SSL_ERROR_WANT_READ) return watch(c, EPOLLIN);
        if (e == SSL_ERROR_WANT_WRITE) return watch(c, EPOLLOUT);
        if (e == SSL_ERROR_ZERO_RETURN) SSL_shutdown(c->ssl);  // answer close_notify
        return close_conn(c);
    }
    // Out of budget: what OpenSSL has buffered would not wake epoll.
    if (!c->queued) {
        c->queued = true;
        g_ready.push_back(c);
    }
}

void accept_all(int listener, SSL_CTX* ctx) {
    for (int i = 0; i < 64; ++i) {
        const int fd = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED) return;
            die(std::string("accept: ") + std::strerror(errno));
        }
        const int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        auto* c = new Conn;
        c->fd = fd;
        c->ssl = SSL_new(ctx);
        if (!c->ssl || SSL_set_fd(c->ssl, fd) != 1) die(tls_bench::openssl_error("SSL_new"));
        SSL_set_accept_state(c->ssl);
        epoll_event ev{};
        ev.events = c->events = EPOLLIN;
        ev.data.ptr = c;
        if (epoll_ctl(g_epoll, EPOLL_CTL_ADD, fd, &ev) != 0) die("epoll_ctl ADD");
    }
}

int listen_on(int port) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 4096) != 0)
        die("cannot listen on 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(errno));
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    std::printf("port %d\n", ntohs(addr.sin_port));
    std::fflush(stdout);
    return fd;
}

}  // namespace

int main(int argc, char** argv) {
    std::string cert, key;
    int port = -1;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--cert" && i + 1 < argc) {
            cert = argv[++i];
        } else if (a == "--key" && i + 1 < argc) {
            key = argv[++i];
        } else if (port < 0 && !a.empty() && a.find_first_not_of("0123456789") == a.npos &&
                   a.size() <= 5 && std::atoi(argv[i]) <= 65535) {
            port = std::atoi(argv[i]);
        } else {
            port = -2;
            break;
        }
    }
    if (port < 0 || cert.empty() || key.empty()) {
        std::fprintf(stderr, "usage: bench_tls_openssl_server --cert F --key F PORT\n");
        return 2;
    }
    SSL_CTX* ctx = nullptr;
    try {
        ctx = tls_bench::server_context(cert, key);
    } catch (const std::exception& e) {
        die(e.what());
    }
    g_epoll = epoll_create1(EPOLL_CLOEXEC);
    const int listener = listen_on(port);
    epoll_event lev{};
    lev.events = EPOLLIN;
    lev.data.ptr = nullptr;
    epoll_ctl(g_epoll, EPOLL_CTL_ADD, listener, &lev);
    epoll_event events[256];
    std::vector<Conn*> ready;
    for (;;) {
        const int n = epoll_wait(g_epoll, events, 256, g_ready.empty() ? -1 : 0);
        if (n < 0 && errno != EINTR) die("epoll_wait");
        for (int i = 0; i < n; ++i) {
            auto* c = static_cast<Conn*>(events[i].data.ptr);
            if (!c) {
                accept_all(listener, ctx);
            } else if (!c->queued) {
                drive(c);
            }
        }
        ready.swap(g_ready);
        for (Conn* c : ready) {
            if (!c) continue;  // closed meanwhile
            c->queued = false;
            drive(c);
        }
        ready.clear();
    }
}
