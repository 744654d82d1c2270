// asyncio's protocol callback sequence over the SSL transport, under
// fuzzer-chosen event orders. The transport side is made, as the fuzzer
// picks, by create_connection(sock, ssl=) (a client), or by start_tls on a
// plain transport as a client or as the server; the fuzzer plays the TLS
// peer on the other end of a UNIX socketpair with a TLSEngine and raw system
// calls. The peer's records reach the socket in arbitrary chunkings; it may
// send close_notify, half-close TCP without one, close (a reset when data is
// left unread), inject garbage, or break the handshake off. The transport
// gets write, writelines, write_eof (always refused: TLS has no half-close),
// pause/resume_reading, close, abort, set_write_buffer_limits and loop turns;
// the protocol may pause, write, close, abort or raise from its callbacks.
//
// Invariants (asyncio's transports-and-protocols state machine):
// connection_made first and once (none at all when create_connection's
// handshake fails); data_received (non-empty) only between it and
// eof_received, never after our abort() or close(); eof_received at most
// once; connection_lost once and last; pause_writing/resume_writing
// alternate across the marks. Data: the protocol receives a prefix of the
// peer's plaintext (all of it when eof_received followed a complete stream),
// the peer a prefix of what write accepted (all of it, then close_notify,
// after a clean close).
#include <fuzzer/FuzzedDataProvider.h>
#include <sys/socket.h>
#include <unistd.h>

#include <coronet/coronet.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "support/test_certs.hpp"

using namespace coronet;
namespace aio = coronet::asyncio;

namespace {

struct Contexts {
    std::shared_ptr<SSLContext> server;
    std::shared_ptr<SSLContext> client;
    std::shared_ptr<SSLContext> client12;  // TLS 1.2 at most

    Contexts() {
        const tls_test::TestCerts& certs = tls_test::certs();
        server = create_default_context(Purpose::client_auth, certs.ca);
        server->load_cert_chain(certs.server.cert, certs.server.key);
        client = create_default_context(Purpose::server_auth, certs.ca);
        client12 = create_default_context(Purpose::server_auth, certs.ca);
        client12->set_maximum_version(TLSVersion::TLSv1_2);
    }
};

const Contexts& contexts() {
    static const Contexts c;
    return c;
}

enum class Reaction : std::uint8_t { none, pause_reading, write, close, abort, raise, count };

struct CallbackError : std::runtime_error {
    CallbackError() : std::runtime_error("raised by the fuzzer's protocol") {}
};

struct World {
    aio::Transport* transport = nullptr;  // what the protocol uses
    bool made = false;
    bool eof = false;
    int lost = 0;
    std::exception_ptr lost_error;
    bool paused_writing = false;
    bool stopped = false;  // our close() or abort(): nothing more is delivered
    std::string received;  // by the protocol
    std::string accepted;  // by the transport's write calls
    bool aborted = false;  // abort(), or a callback raised: data may be dropped
    Reaction on_data = Reaction::none;
    Reaction on_pause = Reaction::none;

    // Counted before the call: pause_writing, and the protocol's reaction to
    // it, run inside it. A closing transport drops the data (no exception).
    void write(aio::Transport& t, const std::string& data) {
        if (!t.is_closing()) accepted += data;
        t.write(data);
    }
    void close(aio::Transport& t) {
        stopped = true;
        t.close();
    }
    void abort(aio::Transport& t) {
        stopped = true;
        aborted = true;
        t.abort();
    }

    void react(Reaction r) {
        switch (r) {
            case Reaction::pause_reading:
                transport->pause_reading();
                break;
            case Reaction::write:
                write(*transport, "reaction");
                break;
            case Reaction::close:
                close(*transport);
                break;
            case Reaction::abort:
                abort(*transport);
                break;
            case Reaction::raise:
                aborted = true;
                throw CallbackError();
            default:
                break;
        }
    }
};

template <class Base>
struct Checks : Base {
    World& w;
    explicit Checks(World& world) : w(world) {}

    void connection_made(aio::BaseTransport& t) override {
        FUZZ_CHECK(!w.made && w.lost == 0, "connection_made twice");
        w.made = true;
        w.transport = &dynamic_cast<aio::Transport&>(t);
    }
    void received(BytesView data) {
        FUZZ_CHECK(w.made && w.lost == 0, "data received outside the connection");
        FUZZ_CHECK(!w.eof, "data received after eof_received");
        FUZZ_CHECK(!w.stopped, "data received after our close() or abort()");
        FUZZ_CHECK(!data.empty(), "data received with no data");
        w.received += data.str();
        w.react(w.on_data);
    }
    bool eof_received() override {
        FUZZ_CHECK(w.made && w.lost == 0, "eof_received outside the connection");
        FUZZ_CHECK(!w.eof, "eof_received twice");
        w.eof = true;
        return true;  // ignored: a TLS transport closes after EOF anyway
    }
    void pause_writing() override {
        FUZZ_CHECK(w.made && w.lost == 0, "pause_writing outside the connection");
        FUZZ_CHECK(!w.paused_writing, "pause_writing twice in a row");
        FUZZ_CHECK(
            w.transport->get_write_buffer_size() > w.transport->get_write_buffer_limits().second,
            "pause_writing at or below the high-water mark");
        w.paused_writing = true;
        w.react(w.on_pause == Reaction::raise ? Reaction::none : w.on_pause);
    }
    void resume_writing() override {
        FUZZ_CHECK(w.made && w.lost == 0, "resume_writing outside the connection");
        FUZZ_CHECK(w.paused_writing, "resume_writing without pause_writing");
        FUZZ_CHECK(
            w.transport->get_write_buffer_size() <= w.transport->get_write_buffer_limits().first,
            "resume_writing above the low-water mark");
        w.paused_writing = false;
    }
    void connection_lost(std::exception_ptr exc) override {
        FUZZ_CHECK(w.made, "connection_lost before connection_made");
        FUZZ_CHECK(w.lost == 0, "connection_lost twice");
        ++w.lost;
        w.lost_error = exc;
    }
};

struct StreamChecker final : Checks<aio::Protocol> {
    using Checks::Checks;
    void data_received(BytesView data) override { received(data); }
};

struct BufferedChecker final : Checks<aio::BufferedProtocol> {
    using Checks::Checks;
    std::vector<std::byte> buffer;
    bool lent = false;
    std::size_t size = 1;

    std::span<std::byte> get_buffer(std::size_t) override {
        FUZZ_CHECK(w.made && w.lost == 0 && !w.eof, "get_buffer outside the connection");
        lent = true;
        if (buffer.size() != size) buffer.assign(size, std::byte{0});
        return buffer;
    }
    void buffer_updated(std::size_t nbytes) override {
        FUZZ_CHECK(lent, "buffer_updated without get_buffer");
        FUZZ_CHECK(nbytes <= buffer.size(), "buffer_updated with more than the buffer");
        lent = false;
        received(BytesView(buffer.data(), nbytes));
    }
};

// The TLS peer: a TLSEngine over the socketpair's other end.
struct Peer {
    int fd = -1;
    TLSEngine engine;
    std::string out;   // ciphertext not yet on the socket
    std::string sent;  // plaintext given to the engine
    std::string got;   // plaintext read
    bool failed = false;
    bool shut = false;        // TCP half-closed or closed
    bool complete = false;    // the stream ended after all of `sent` went out
    bool corrupted = false;   // garbage went out
    bool saw_notify = false;  // our close_notify came
    bool saw_eof = false;     // TCP EOF (or an error) on read
    std::size_t flushed = 0;  // ciphertext bytes put on the socket

    Peer(int f, std::shared_ptr<SSLContext> ctx, bool server)
        : fd(f), engine(std::move(ctx), server, server ? "" : "localhost") {}
    ~Peer() {
        if (fd >= 0) ::close(fd);
    }

    void progress() {
        if (failed) return;
        try {
            if (!engine.handshake_done() && engine.do_handshake() != TLSEngine::Status::ok) return;
            while (!saw_notify) {
                Bytes plain;
                const auto status = engine.read(plain, 65536);
                if (status == TLSEngine::Status::closed) saw_notify = true;
                if (status != TLSEngine::Status::ok) break;
                got += plain.str();
            }
        } catch (const SSLError&) {
            failed = true;
        }
    }
    void receive(std::size_t max) {
        if (fd < 0) return;
        char buf[16384];
        while (max > 0 && !saw_eof) {
            const ssize_t n = ::recv(fd, buf, std::min(max, sizeof buf), MSG_DONTWAIT);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) saw_eof = true;
            if (n <= 0) break;
            engine.receive_ciphertext(BytesView(buf, static_cast<std::size_t>(n)));
            max -= static_cast<std::size_t>(n);
        }
        progress();
    }
    void flush(std::size_t max) {
        if (engine.pending_ciphertext() > 0) out += engine.take_ciphertext().str();
        if (fd < 0 || shut || out.empty()) return;
        const ssize_t n =
            ::send(fd, out.data(), std::min(max, out.size()), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n <= 0) return;
        out.erase(0, static_cast<std::size_t>(n));
        flushed += static_cast<std::size_t>(n);
        if (out.empty() && engine.shutdown_sent() && !corrupted) complete = true;
    }
    void write(const std::string& data) {
        if (failed || shut || !engine.handshake_done() || engine.shutdown_sent()) return;
        engine.write(data);
        sent += data;
    }
    void end(bool half) {
        if (fd < 0 || shut) return;
        flush(0);
        if (out.empty() && !corrupted) complete = true;
        shut = true;
        if (half) {
            ::shutdown(fd, SHUT_WR);
        } else {
            ::close(fd);
            fd = -1;
        }
    }
};

std::string pattern(std::size_t n, std::uint8_t seed) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i)
        s[i] = static_cast<char>(seed + i * 7);
    return s;
}

Task<void> turns(int n) {
    for (int i = 0; i < n; ++i)
        co_await checkpoint();
}

// The handshake: the peer answers until `done`; with a `cut`, it sends only
// that many bytes and then closes. It starts once `ready`: before start_tls
// has taken the plain transport over, a ClientHello would go to the plain
// protocol (a STARTTLS peer waits for the go-ahead too).
Task<void> answer(Peer& peer, const bool& done, std::function<bool()> ready,
                  std::optional<std::size_t> cut) {
    for (int i = 0; i < 1000000 && !done && !ready(); ++i)
        co_await sleep(std::chrono::microseconds(50));
    for (int i = 0; i < 1000000 && !done && peer.fd >= 0; ++i) {
        peer.receive(1 << 20);
        if (cut && peer.flushed + peer.out.size() + peer.engine.pending_ciphertext() >= *cut) {
            peer.flush(*cut - peer.flushed);
            peer.end(false);
            break;
        }
        peer.flush(1 << 20);
        co_await sleep(std::chrono::microseconds(50));
    }
}

const bool trace = std::getenv("FUZZ_TRACE") != nullptr;

Task<void> check(FuzzedDataProvider& in) {
    Loop::current().set_exception_handler([](Loop&, const ExceptionContext&) {});
    const Contexts& ctx = contexts();
    World w;
    w.on_data = static_cast<Reaction>(
        in.ConsumeIntegralInRange<int>(0, static_cast<int>(Reaction::count) - 1));
    w.on_pause = static_cast<Reaction>(
        in.ConsumeIntegralInRange<int>(0, static_cast<int>(Reaction::count) - 1));
    // 0: create_connection(ssl=), 1: start_tls as a client, 2: as the server.
    const int mode = in.ConsumeIntegralInRange<int>(0, 2);
    const bool tls12 = in.ConsumeBool();
    std::optional<std::size_t> cut;
    if (in.ConsumeIntegralInRange<int>(0, 7) == 0)
        cut = in.ConsumeIntegralInRange<std::size_t>(0, 4000);
    const bool buffered = in.ConsumeBool();
    const std::size_t buffer_size = in.ConsumeIntegralInRange<std::size_t>(1, 70000);

    auto sockets = net::socketpair();
    net::Socket a = std::move(sockets.first);
    net::Socket b = std::move(sockets.second);
    const int small = 4096;
    ::setsockopt(a.fileno(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    const bool we_serve = mode == 2;
    Peer peer(::dup(b.fileno()), we_serve ? (tls12 ? ctx.client12 : ctx.client) : ctx.server,
              !we_serve);
    b.close();
    FUZZ_CHECK(peer.fd >= 0, "dup failed");
    if (we_serve) peer.progress();  // the ClientHello

    aio::ProtocolFactory factory = [&w, buffered,
                                    buffer_size]() -> std::unique_ptr<aio::BaseProtocol> {
        if (!buffered) return std::make_unique<StreamChecker>(w);
        auto p = std::make_unique<BufferedChecker>(w);
        p->size = buffer_size;
        return p;
    };
    std::shared_ptr<SSLContext> ours = we_serve ? ctx.server : (tls12 ? ctx.client12 : ctx.client);
    std::shared_ptr<aio::Transport> tls;
    std::exception_ptr failure;
    bool done = false;
    std::shared_ptr<aio::Transport> plain;
    aio::BaseProtocol* plain_protocol = nullptr;
    std::function<bool()> ready = [&] {
        return mode == 0 || (plain && &plain->get_protocol() != plain_protocol);
    };
    co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
        tg.spawn(answer(peer, done, ready, cut));
        try {
            if (mode == 0) {
                aio::TLSConnectionOptions o;
                o.ssl = ours;
                o.server_hostname = "localhost";
                o.ssl_handshake_timeout = std::chrono::seconds(30);
                aio::Connection c = co_await aio::create_connection(factory, std::move(a), o);
                tls = c.transport;
            } else {
                aio::Connection c = co_await aio::create_connection(factory, std::move(a));
                FUZZ_CHECK(w.made && w.transport == c.transport.get(), "no plain connection_made");
                plain = c.transport;
                plain_protocol = c.protocol;
                tls =
                    co_await aio::start_tls(c.transport, *c.protocol, ours, we_serve,
                                            we_serve ? "" : "localhost", std::chrono::seconds(30));
            }
        } catch (...) {
            failure = std::current_exception();
        }
        done = true;
    });
    if (failure && !cut) {
        try {
            std::rethrow_exception(failure);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "handshake: %s\n", e.what());
        }
        FUZZ_CHECK(false, "the handshake failed with nothing broken");
    }
    if (failure) {
        if (mode == 0) {
            FUZZ_CHECK(!w.made && w.lost == 0, "callbacks from a failed create_connection");
        } else {
            for (int i = 0; i < 20000 && w.lost == 0; ++i)
                co_await sleep(std::chrono::microseconds(50));
            FUZZ_CHECK(w.lost == 1 && w.lost_error, "start_tls failed without connection_lost");
        }
        co_return;
    }
    FUZZ_CHECK(w.made, "connection_made not called by the time the handshake returned");
    aio::Transport& t = *tls;
    w.transport = &t;  // start_tls: the protocol switches to the SSL transport itself
    FUZZ_CHECK(!t.can_write_eof(), "an SSL transport offers half-close");

    for (int step = 0; step < 40 && in.remaining_bytes() > 0; ++step) {
        const int event = in.ConsumeIntegralInRange<int>(0, 16);
        if (trace)
            std::fprintf(stderr, "event %d: accepted %zu peer got %zu sent %zu received %zu%s%s\n",
                         event, w.accepted.size(), peer.got.size(), peer.sent.size(),
                         w.received.size(), w.eof ? " eof" : "", w.lost ? " lost" : "");
        switch (event) {
            case 0:
                w.write(t, pattern(in.ConsumeIntegralInRange<std::size_t>(1, 40000),
                                   in.ConsumeIntegral<std::uint8_t>()));
                break;
            case 1: {
                const std::string one = pattern(in.ConsumeIntegralInRange<std::size_t>(0, 3000), 1);
                const std::string two = pattern(in.ConsumeIntegralInRange<std::size_t>(0, 3000), 2);
                const BytesView pieces[] = {one, two};
                if (!t.is_closing()) w.accepted += one + two;
                t.writelines(pieces);
                break;
            }
            case 2:
                try {
                    t.write_eof();
                    FUZZ_CHECK(false, "write_eof accepted by an SSL transport");
                } catch (const std::logic_error&) {
                }
                break;
            case 3:
                t.pause_reading();
                FUZZ_CHECK(!t.is_reading(), "is_reading after pause_reading");
                break;
            case 4:
                t.resume_reading();
                FUZZ_CHECK(t.is_reading() == !t.is_closing(), "not reading after resume_reading");
                break;
            case 5:
                w.close(t);
                FUZZ_CHECK(t.is_closing(), "not closing after close()");
                break;
            case 6:
                w.abort(t);
                break;
            case 7: {
                const auto high = in.ConsumeIntegralInRange<std::int64_t>(-1, 70000);
                const auto low = in.ConsumeIntegralInRange<std::int64_t>(-1, 70000);
                try {
                    t.set_write_buffer_limits(high, low);
                    FUZZ_CHECK(high >= low && low >= 0, "bad write buffer limits accepted");
                } catch (const std::invalid_argument&) {
                    FUZZ_CHECK(high < low || high < 0 || low < 0, "good limits refused");
                }
                break;
            }
            case 8:
                peer.write(pattern(in.ConsumeIntegralInRange<std::size_t>(1, 20000),
                                   in.ConsumeIntegral<std::uint8_t>()));
                break;
            case 9:
                peer.flush(in.ConsumeIntegralInRange<std::size_t>(1, 20000));
                break;
            case 10:
                peer.receive(in.ConsumeIntegralInRange<std::size_t>(1, 100000));
                break;
            case 11:
                if (!peer.failed && peer.engine.handshake_done()) peer.engine.shutdown();
                break;
            case 12:
                peer.end(true);  // TCP EOF, with or without close_notify before it
                break;
            case 13:
                peer.end(false);  // a reset when our data is left unread
                break;
            case 14:
                if (peer.fd >= 0 && !peer.shut) {
                    peer.flush(1 << 20);
                    const std::string junk =
                        in.ConsumeBytesAsString(in.ConsumeIntegralInRange<std::size_t>(1, 16));
                    if (::send(peer.fd, junk.data(), junk.size(), MSG_DONTWAIT | MSG_NOSIGNAL) > 0)
                        peer.corrupted = true;
                }
                break;
            default:
                co_await turns(in.ConsumeIntegralInRange<int>(1, 8));
                break;
        }
        FUZZ_CHECK(w.received.size() <= peer.sent.size() &&
                       peer.sent.compare(0, w.received.size(), w.received) == 0,
                   "the protocol received bytes the peer did not send, or out of order");
        FUZZ_CHECK(peer.got.size() <= w.accepted.size() &&
                       w.accepted.compare(0, peer.got.size(), peer.got) == 0,
                   "the peer received bytes the transport was not given, or out of order");
    }

    // Wind down: close (or abort) and let the peer read until connection_lost.
    const bool clean = in.ConsumeBool();
    if (trace)
        std::fprintf(stderr,
                     "end (%s): accepted %zu peer got %zu, lost %d%s, received %zu of %zu%s\n",
                     clean ? "close" : "abort", w.accepted.size(), peer.got.size(), w.lost,
                     w.lost_error ? " with an error" : "", w.received.size(), peer.sent.size(),
                     w.eof ? " eof" : "");
    if (w.lost == 0) {
        if (clean) {
            w.close(t);
        } else {
            w.abort(t);
        }
    }
    for (int i = 0; i < 20000 && w.lost == 0; ++i) {
        peer.receive(1 << 20);
        co_await sleep(std::chrono::microseconds(50));
    }
    FUZZ_CHECK(w.lost == 1, "connection_lost not called once");
    FUZZ_CHECK(t.is_closing(), "a lost transport is not closing");
    if (w.eof && peer.complete)
        FUZZ_CHECK(w.received == peer.sent, "eof_received before all the data");
    if (!w.aborted && !w.lost_error && peer.fd >= 0 && !peer.failed) {
        for (int i = 0; i < 1000 && !peer.saw_eof; ++i)
            peer.receive(1 << 20);
        if (trace)
            std::fprintf(stderr, "peer got %zu of %zu, close_notify %d\n", peer.got.size(),
                         w.accepted.size(), peer.saw_notify);
        FUZZ_CHECK(peer.saw_eof, "no EOF at the peer after a clean close");
        FUZZ_CHECK(peer.got == w.accepted, "a clean close lost written data");
        FUZZ_CHECK(peer.saw_notify, "a clean close without close_notify");
    }
    FUZZ_CHECK(peer.got.size() <= w.accepted.size() &&
                   w.accepted.compare(0, peer.got.size(), peer.got) == 0,
               "the peer received bytes the transport was not given, or out of order");
    // Later calls behave as on a closed transport: no callback comes.
    w.write(t, "late");
    t.close();
    t.abort();
    t.pause_reading();
    t.resume_reading();
    co_await turns(3);
    FUZZ_CHECK(w.lost == 1, "callbacks after connection_lost");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    contexts();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    coronet::run([&] { return check(in); });
    return 0;
}
