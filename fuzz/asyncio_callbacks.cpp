// asyncio's protocol callback sequence under fuzzer-chosen event orders: a
// stream transport over one end of a UNIX socketpair (the fuzzer plays the
// peer on the other end with raw system calls) is driven by an arbitrary
// sequence of writes, writelines, write_eof, pause/resume_reading, close,
// abort, set_write_buffer_limits and loop turns, interleaved with the peer
// sending, draining, half-closing and closing; the protocol may itself close,
// abort, pause, write or throw from its callbacks.
//
// Invariants (the state machine of asyncio's transports-and-protocols page):
// connection_made first and once; data_received (non-empty) only after it
// and before eof_received; eof_received at most once; connection_lost once
// and last; pause_writing/resume_writing alternate starting with pause, only
// while connected, pause above the high-water mark and resume at or below
// the low one. Data: the protocol receives a prefix of what the peer sent
// (all of it when eof_received came); the peer receives a prefix of what the
// transport accepted (all of it after a clean close).
#include <fuzzer/FuzzedDataProvider.h>
#include <sys/socket.h>
#include <unistd.h>

#include <coronet/coronet.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "fuzz_check.hpp"

using namespace coronet;
namespace aio = coronet::asyncio;

namespace {

// What the protocol does from inside its own callbacks.
enum class Reaction : std::uint8_t { none, pause_reading, write, close, abort, raise, count };

struct CallbackError : std::runtime_error {
    CallbackError() : std::runtime_error("raised by the fuzzer's protocol") {}
};

struct World {
    aio::Transport* transport = nullptr;  // from connection_made to connection_lost
    aio::Transport* handle = nullptr;     // ours, kept alive past connection_lost
    bool made = false;
    bool eof = false;
    int lost = 0;
    std::exception_ptr lost_error;
    bool paused_writing = false;
    std::string received;  // by the protocol
    std::string accepted;  // by the transport's write calls
    bool eof_written = false;
    bool aborted = false;  // abort(), or a callback raised: data may be dropped
    Reaction on_data = Reaction::none;
    Reaction on_pause = Reaction::none;
    bool keep_open_on_eof = false;
    int raised = 0;

    // The data is counted before the call: pause_writing, and the protocol's
    // reaction to it (maybe another write), run from inside it.
    void write(BytesView data) {
        aio::Transport* t = transport ? transport : handle;
        const bool closing = t->is_closing();
        const std::size_t before = accepted.size();
        if (!closing) accepted += data.str();
        try {
            t->write(data);
            FUZZ_CHECK(!eof_written || closing, "write after write_eof accepted");
        } catch (const std::logic_error&) {
            FUZZ_CHECK(eof_written && !closing, "write refused without write_eof");
            accepted.resize(before);
        }
    }

    void react(Reaction r) {
        switch (r) {
            case Reaction::pause_reading:
                transport->pause_reading();
                break;
            case Reaction::write:
                write("reaction");
                break;
            case Reaction::close:
                transport->close();
                break;
            case Reaction::abort:
                aborted = true;
                transport->abort();
                break;
            case Reaction::raise:
                aborted = true;
                ++raised;
                throw CallbackError();
            default:
                break;
        }
    }
};

// The callbacks both protocol kinds share, checking the state machine.
template <class Base>
struct Checks : Base {
    World& w;
    explicit Checks(World& world) : w(world) {}

    void connection_made(aio::BaseTransport& t) override {
        FUZZ_CHECK(!w.made && w.lost == 0, "connection_made twice");
        w.made = true;
        w.transport = &dynamic_cast<aio::Transport&>(t);
    }
    // data_received / buffer_updated
    void received(BytesView data) {
        FUZZ_CHECK(w.made && w.lost == 0, "data received outside the connection");
        FUZZ_CHECK(!w.eof, "data received after eof_received");
        FUZZ_CHECK(!data.empty(), "data received with no data");
        w.received += data.str();
        w.react(w.on_data);
    }
    bool eof_received() override {
        FUZZ_CHECK(w.made && w.lost == 0, "eof_received outside the connection");
        FUZZ_CHECK(!w.eof, "eof_received twice");
        w.eof = true;
        return w.keep_open_on_eof;
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
        w.transport = nullptr;
    }
};

struct StreamChecker final : Checks<aio::Protocol> {
    using Checks::Checks;
    void data_received(BytesView data) override { received(data); }
};

// Receives into a small buffer of its own: get_buffer and buffer_updated
// alternate, and the buffer stays put until buffer_updated.
struct BufferedChecker final : Checks<aio::BufferedProtocol> {
    using Checks::Checks;
    std::vector<std::byte> buffer;
    bool lent = false;
    std::size_t size = 1;

    std::span<std::byte> get_buffer(std::size_t sizehint) override {
        FUZZ_CHECK(w.made && w.lost == 0 && !w.eof, "get_buffer outside the connection");
        (void)sizehint;
        lent = true;
        // One buffer for the whole connection: an io_uring receive may still
        // be filling it when a cancelled one is followed by a new get_buffer.
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

// The peer: the socketpair's other end, driven with system calls.
struct Peer {
    int fd = -1;
    std::string sent;
    std::string got;
    bool shut = false;
    bool saw_eof = false;

    ~Peer() {
        if (fd >= 0) ::close(fd);
    }
    void send(const std::string& data) {
        if (fd < 0 || shut) return;
        const ssize_t n = ::send(fd, data.data(), data.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) sent.append(data, 0, static_cast<std::size_t>(n));
    }
    void drain(std::size_t max) {
        if (fd < 0 || saw_eof) return;
        char buf[16384];
        while (max > 0) {
            const ssize_t n = ::recv(fd, buf, std::min(max, sizeof buf), MSG_DONTWAIT);
            if (n == 0) saw_eof = true;
            if (n <= 0) return;
            got.append(buf, static_cast<std::size_t>(n));
            max -= static_cast<std::size_t>(n);
        }
    }
    void close() {
        if (fd >= 0) ::close(fd);
        fd = -1;
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

// FUZZ_TRACE=1: the events of an input, on stderr.
const bool trace = std::getenv("FUZZ_TRACE") != nullptr;

Task<void> check(FuzzedDataProvider& in) {
    Loop::current().set_exception_handler([](Loop&, const ExceptionContext&) {});
    World w;
    w.on_data = static_cast<Reaction>(
        in.ConsumeIntegralInRange<int>(0, static_cast<int>(Reaction::count) - 1));
    w.on_pause = static_cast<Reaction>(
        in.ConsumeIntegralInRange<int>(0, static_cast<int>(Reaction::count) - 1));
    w.keep_open_on_eof = in.ConsumeBool();
    auto [a, b] = net::socketpair();
    const int small = 4096;
    ::setsockopt(a.fileno(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    Peer peer;
    peer.fd = ::dup(b.fileno());
    b.close();
    FUZZ_CHECK(peer.fd >= 0, "dup failed");
    const bool buffered = in.ConsumeBool();
    const std::size_t buffer_size = in.ConsumeIntegralInRange<std::size_t>(1, 70000);
    aio::ProtocolFactory factory = [&w, buffered,
                                    buffer_size]() -> std::unique_ptr<aio::BaseProtocol> {
        if (!buffered) return std::make_unique<StreamChecker>(w);
        auto p = std::make_unique<BufferedChecker>(w);
        p->size = buffer_size;
        return p;
    };
    aio::Connection c = co_await aio::create_connection(factory, std::move(a));
    FUZZ_CHECK(w.made && w.transport == c.transport.get(), "connection_made not called first");
    aio::Transport& t = *c.transport;
    w.handle = &t;

    for (int step = 0; step < 40 && in.remaining_bytes() > 0; ++step) {
        const int event = in.ConsumeIntegralInRange<int>(0, 15);
        if (trace)
            std::fprintf(stderr, "event %d: accepted %zu peer got %zu sent %zu received %zu%s%s\n",
                         event, w.accepted.size(), peer.got.size(), peer.sent.size(),
                         w.received.size(), w.eof ? " eof" : "", w.lost ? " lost" : "");
        switch (event) {
            case 0:
                w.write(pattern(in.ConsumeIntegralInRange<std::size_t>(1, 40000),
                                in.ConsumeIntegral<std::uint8_t>()));
                break;
            case 1: {
                const std::string one = pattern(in.ConsumeIntegralInRange<std::size_t>(0, 3000), 1);
                const std::string two = pattern(in.ConsumeIntegralInRange<std::size_t>(0, 3000), 2);
                const BytesView pieces[] = {one, two};
                const bool closing = t.is_closing();
                const std::size_t before = w.accepted.size();
                if (!closing) w.accepted += one + two;
                try {
                    t.writelines(pieces);
                } catch (const std::logic_error&) {
                    FUZZ_CHECK(w.eof_written && !closing, "writelines refused without write_eof");
                    w.accepted.resize(before);
                }
                break;
            }
            case 2:
                if (!t.is_closing()) w.eof_written = true;
                t.write_eof();
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
                t.close();
                FUZZ_CHECK(t.is_closing(), "not closing after close()");
                break;
            case 6:
                w.aborted = true;
                t.abort();
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
            case 9:
                peer.send(pattern(in.ConsumeIntegralInRange<std::size_t>(1, 20000),
                                  in.ConsumeIntegral<std::uint8_t>()));
                break;
            case 10:
                peer.drain(in.ConsumeIntegralInRange<std::size_t>(1, 100000));
                break;
            case 11:
                if (peer.fd >= 0 && !peer.shut) {
                    ::shutdown(peer.fd, SHUT_WR);
                    peer.shut = true;
                }
                break;
            case 12:
                peer.close();
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

    // Wind down: close (or abort) and let the peer drain until connection_lost.
    const bool clean = in.ConsumeBool();
    if (trace)
        std::fprintf(
            stderr, "end (%s): accepted %zu peer got %zu, lost %d%s, on_data %d eof_written %d\n",
            clean ? "close" : "abort", w.accepted.size(), peer.got.size(), w.lost,
            w.lost_error ? " with an error" : "", static_cast<int>(w.on_data), w.eof_written);
    if (w.lost == 0) {
        if (clean) {
            t.close();
        } else {
            w.aborted = true;
            t.abort();
        }
    }
    for (int i = 0; i < 20000 && w.lost == 0; ++i) {
        peer.drain(1 << 20);
        co_await sleep(std::chrono::microseconds(50));
    }
    FUZZ_CHECK(w.lost == 1, "connection_lost not called once");
    FUZZ_CHECK(t.is_closing(), "a lost transport is not closing");
    if (w.eof) FUZZ_CHECK(w.received == peer.sent, "eof_received before all the data");
    if (!w.aborted && !w.lost_error && peer.fd >= 0) {
        for (int i = 0; i < 1000 && !peer.saw_eof; ++i)
            peer.drain(1 << 20);
        FUZZ_CHECK(peer.saw_eof, "no EOF at the peer after a clean close");
        if (trace && peer.got != w.accepted) {
            std::size_t same = 0;
            while (same < peer.got.size() && peer.got[same] == w.accepted[same])
                ++same;
            std::fprintf(stderr, "peer got %zu of %zu, the first %zu right; eof_received %d\n",
                         peer.got.size(), w.accepted.size(), same, w.eof);
        }
        FUZZ_CHECK(peer.got == w.accepted, "a clean close lost written data");
    }
    FUZZ_CHECK(peer.got.size() <= w.accepted.size() &&
                   w.accepted.compare(0, peer.got.size(), peer.got) == 0,
               "the peer received bytes the transport was not given, or out of order");
    // Later calls behave as on a closed transport: no callback comes.
    w.write("late");
    t.close();
    t.abort();
    t.pause_reading();
    t.resume_reading();
    co_await turns(3);
    FUZZ_CHECK(w.lost == 1, "callbacks after connection_lost");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    coronet::run([&] { return check(in); });
    return 0;
}
