// asyncio's StreamReader fed arbitrary data in arbitrary chunks (with
// arbitrary loop turns between them), read by an arbitrary mix of read(n),
// readline, readexactly and readuntil (arbitrary separators, a small limit),
// ending in feed_eof or set_exception. Invariants, checked after every call
// against a model of the bytes fed:
//  * what the calls return is exactly the bytes fed, in order; the buffer
//    holds exactly the rest;
//  * IncompleteReadError.partial is the whole rest of the stream, its
//    `expected` the count asked for (none for readuntil);
//  * readuntil's LimitOverrunError leaves the buffer alone and its `consumed`
//    is where the separator is (or how far it was searched for); readline's
//    discards up to and including the separator, or everything;
//  * a paused transport is resumed, pause and resume alternate, and the
//    transport is only paused while more than `limit` bytes are buffered.
#include <fuzzer/FuzzedDataProvider.h>

#include <coronet/coronet.hpp>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "fuzz_check.hpp"

using namespace coronet;
namespace aio = coronet::asyncio;

namespace {

struct FuzzError : std::runtime_error {
    FuzzError() : std::runtime_error("set_exception by the fuzzer") {}
};

// Only the reading half matters to a StreamReader: it pauses and resumes.
struct FakeTransport final : aio::ReadTransport {
    bool paused = false;
    int switches = 0;
    aio::BaseProtocol protocol;

    void pause_reading() override {
        FUZZ_CHECK(!paused, "pause_reading twice in a row");
        paused = true;
        ++switches;
    }
    void resume_reading() override {
        FUZZ_CHECK(paused, "resume_reading without pause_reading");
        paused = false;
        ++switches;
    }
    bool is_reading() const noexcept override { return !paused; }
    void close() override {}
    bool is_closing() const noexcept override { return false; }
    std::any get_extra_info(std::string_view, std::any d) const override { return d; }
    void set_protocol(std::unique_ptr<aio::BaseProtocol>) override {}
    aio::BaseProtocol& get_protocol() const noexcept override {
        return const_cast<aio::BaseProtocol&>(protocol);
    }
};

enum Op : std::uint8_t { read_n, readline, readexactly, readuntil, at_eof, op_count };

struct Step {
    Op op;
    std::int64_t n;
    std::string separator;
};

struct Feed {
    std::string data;
    int turns;  // loop turns before feeding it
};

struct Script {
    std::int64_t limit = 1;
    bool with_transport = false;
    bool end_with_exception = false;
    std::vector<Step> steps;
    std::vector<Feed> feeds;
};

Script parse_script(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    Script s;
    s.limit = in.ConsumeIntegralInRange<std::int64_t>(1, 64);
    s.with_transport = in.ConsumeBool();
    s.end_with_exception = in.ConsumeIntegralInRange<int>(0, 7) == 0;
    const auto steps = in.ConsumeIntegralInRange<std::size_t>(1, 32);
    for (std::size_t i = 0; i < steps; ++i) {
        Step st;
        st.op = static_cast<Op>(in.ConsumeIntegralInRange<int>(0, op_count - 1));
        st.n = in.ConsumeIntegralInRange<std::int64_t>(-2, 200);
        if (st.op == readuntil) st.separator = in.ConsumeRandomLengthString(3);
        s.steps.push_back(std::move(st));
    }
    while (in.remaining_bytes() > 0 && s.feeds.size() < 64) {
        Feed f;
        f.turns = in.ConsumeIntegralInRange<int>(0, 3);
        f.data = in.ConsumeRandomLengthString(256);
        s.feeds.push_back(std::move(f));
    }
    return s;
}

struct Model {
    std::string fed;           // everything fed so far
    std::size_t pos = 0;       // how much of it the reader has taken (or discarded)
    bool ended = false;        // feed_eof or set_exception done
    bool reading_all = false;  // a read(-1) is running
};

Task<void> check(const Script& s) {
    aio::StreamReader reader(s.limit);
    const auto limit = static_cast<std::size_t>(s.limit);
    FakeTransport transport;
    if (s.with_transport) reader.set_transport(&transport);
    Model m;

    auto check_buffer = [&](const char* after) {
        FUZZ_CHECK(m.pos <= m.fed.size(), after);
        // read(-1) takes block by block while it waits for the rest.
        if (m.reading_all)
            FUZZ_CHECK(reader.buffered() <= m.fed.size() - m.pos, after);
        else
            FUZZ_CHECK(reader.buffered() == m.fed.size() - m.pos, after);
        if (transport.paused)
            FUZZ_CHECK(reader.buffered() > limit, "the transport is paused with little buffered");
    };
    auto take = [&](const Bytes& b, const char* what) {
        FUZZ_CHECK(m.fed.compare(m.pos, b.size(), b.str()) == 0, what);
        m.pos += b.size();
    };

    co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
        tg.spawn([&]() -> Task<void> {
            for (const auto& f : s.feeds) {
                for (int i = 0; i < f.turns; ++i)
                    co_await checkpoint();
                reader.feed_data(f.data);
                m.fed += f.data;
                check_buffer("feed_data: the buffer is not what was fed");
            }
            co_await checkpoint();
            m.ended = true;
            if (s.end_with_exception) {
                reader.set_exception(std::make_exception_ptr(FuzzError()));
            } else {
                reader.feed_eof();
                try {
                    reader.feed_data("x");
                    FUZZ_CHECK(false, "feed_data after feed_eof accepted");
                } catch (const std::logic_error&) {
                }
            }
        });
        for (const Step& st : s.steps) {
            const std::size_t before = m.pos;
            try {
                switch (st.op) {
                    case read_n: {
                        m.reading_all = st.n < 0;
                        Bytes b = co_await reader.read(st.n);
                        m.reading_all = false;
                        take(b, "read: bytes not in the order fed");
                        if (st.n == 0) FUZZ_CHECK(b.empty(), "read(0) returned data");
                        if (st.n > 0) {
                            FUZZ_CHECK(b.size() <= static_cast<std::size_t>(st.n),
                                       "read(n) returned more than n");
                            if (b.empty()) FUZZ_CHECK(reader.at_eof(), "read(n) empty before EOF");
                        }
                        if (st.n < 0)
                            FUZZ_CHECK(reader.at_eof() && m.pos == m.fed.size(),
                                       "read(-1) returned before EOF");
                        break;
                    }
                    case readexactly: {
                        Bytes b = co_await reader.readexactly(st.n);
                        FUZZ_CHECK(st.n >= 0 && b.size() == static_cast<std::size_t>(st.n),
                                   "readexactly returned another size");
                        take(b, "readexactly: bytes not in the order fed");
                        break;
                    }
                    case readline: {
                        Bytes b = co_await reader.readline();
                        const std::string str(b.str());
                        const auto nl = str.find('\n');
                        if (nl == std::string::npos) {
                            FUZZ_CHECK(reader.at_eof(), "readline without a newline before EOF");
                        } else {
                            FUZZ_CHECK(nl + 1 == str.size(), "readline went past the newline");
                            FUZZ_CHECK(nl <= limit, "readline returned a line over the limit");
                        }
                        take(b, "readline: bytes not in the order fed");
                        break;
                    }
                    case readuntil: {
                        Bytes b = co_await reader.readuntil(st.separator);
                        const std::string str(b.str());
                        const auto found = str.find(st.separator);
                        FUZZ_CHECK(
                            !st.separator.empty() && found + st.separator.size() == str.size(),
                            "readuntil did not stop at the first separator");
                        FUZZ_CHECK(found <= limit, "readuntil returned a chunk over the limit");
                        take(b, "readuntil: bytes not in the order fed");
                        break;
                    }
                    default:
                        FUZZ_CHECK(reader.at_eof() ==
                                       (m.ended && !s.end_with_exception && m.pos == m.fed.size()),
                                   "at_eof() is wrong");
                        break;
                }
            } catch (const aio::IncompleteReadError& e) {
                FUZZ_CHECK(m.ended && !s.end_with_exception, "IncompleteReadError before EOF");
                FUZZ_CHECK(e.partial.str() == std::string_view(m.fed).substr(m.pos),
                           "IncompleteReadError.partial is not the rest of the stream");
                if (st.op == readexactly) {
                    FUZZ_CHECK(e.expected && *e.expected == static_cast<std::size_t>(st.n) &&
                                   e.partial.size() < *e.expected,
                               "IncompleteReadError.expected is wrong");
                } else {
                    FUZZ_CHECK(st.op == readuntil && !e.expected &&
                                   e.partial.str().find(st.separator) == std::string::npos,
                               "readuntil's IncompleteReadError is wrong");
                }
                m.pos = m.fed.size();
            } catch (const aio::LimitOverrunError& e) {
                const std::string sep = st.op == readline ? std::string("\n") : st.separator;
                const std::string_view rest = std::string_view(m.fed).substr(m.pos);
                const auto found = rest.find(sep);
                if (found != std::string_view::npos) {
                    FUZZ_CHECK(e.consumed == found && found > limit,
                               "LimitOverrunError with a separator within the limit");
                } else {
                    FUZZ_CHECK(e.consumed + sep.size() == rest.size() + 1 && e.consumed > limit,
                               "LimitOverrunError.consumed is not how far it searched");
                }
                if (st.op == readline) {
                    // Discarded through the newline if it was seen, all otherwise.
                    m.pos = found != std::string_view::npos ? m.pos + found + 1 : m.fed.size();
                } else {
                    FUZZ_CHECK(st.op == readuntil, "LimitOverrunError from another call");
                }
            } catch (const FuzzError&) {
                m.reading_all = false;
                FUZZ_CHECK(m.ended && s.end_with_exception, "an exception that was not set");
                if (st.op == read_n && st.n < 0) {
                    // read(-1) gathers block by block; what it gathered when
                    // the exception came is lost, as in asyncio.
                    m.pos = m.fed.size() - reader.buffered();
                } else {
                    FUZZ_CHECK(m.pos == before, "a failed read consumed data");
                }
            } catch (const std::invalid_argument&) {
                FUZZ_CHECK((st.op == readexactly && st.n < 0) ||
                               (st.op == readuntil && st.separator.empty()),
                           "invalid_argument for valid arguments");
            }
            check_buffer("the buffer does not hold the rest of what was fed");
        }
    });
    check_buffer("the buffer does not hold the rest of what was fed");
    if (!s.end_with_exception && reader.buffered() == 0)
        FUZZ_CHECK(reader.at_eof(), "not at EOF with an empty buffer after feed_eof");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const Script script = parse_script(data, size);
    coronet::run([&] { return check(script); });
    return 0;
}
