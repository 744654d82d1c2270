#include "coronet/testing/stream_conformance.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>

#include "coronet/base/errors.hpp"
#include "coronet/runtime/cancel_scope.hpp"
#include "coronet/runtime/sleep.hpp"
#include "coronet/runtime/task_group.hpp"

namespace coronet::testing {
namespace {

using namespace std::chrono_literals;

void expect(bool ok, const std::string& what) {
    if (!ok) throw ConformanceFailure(what);
}

// Lets spawned tasks start and block in their I/O (no timing is asserted:
// every case is correct whether or not they got that far).
Task<void> settle() {
    for (int i = 0; i < 3; ++i)
        co_await sleep(1ms);
}

template <class Error, class T>
Task<void> expect_raises(Task<T> task, const std::string& what) {
    try {
        co_await std::move(task);
    } catch (const Error&) {
        co_return;
    } catch (const std::exception&) {
        throw ConformanceFailure(what + ": raised " + describe_exception(std::current_exception()));
    }
    throw ConformanceFailure(what + ": returned normally");
}

// Collects exactly `count` bytes.
Task<Bytes> receive_count(ByteStream& s, std::size_t count) {
    Bytes all;
    while (all.size() < count) {
        Bytes more = co_await s.receive(count - all.size());
        expect(!more.empty(), "receive returned an empty buffer");
        expect(more.size() <= count - all.size(), "receive returned more than max_bytes");
        all.append(more);
    }
    co_return all;
}

// The data of the transfers: byte at stream offset i is pattern()[i % P].
constexpr std::size_t kPatternPeriod = (std::size_t{1} << 20) + 7;
const Bytes& pattern() {
    static const Bytes block = [] {
        Bytes b;
        b.resize_uninitialized(kPatternPeriod);
        std::uint64_t x = 0x9E3779B97F4A7C15ull;
        for (std::size_t i = 0; i < kPatternPeriod; ++i) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            b[i] = static_cast<std::byte>(x >> 32);
        }
        return b;
    }();
    return block;
}

BytesView pattern_at(std::size_t offset, std::size_t max) {
    const std::size_t at = offset % kPatternPeriod;
    return pattern().view().subview(at, std::min(max, kPatternPeriod - at));
}

// Verifies `data` as the bytes at stream offset `offset`.
void verify_pattern(BytesView data, std::size_t offset, const char* direction) {
    std::size_t done = 0;
    while (done < data.size()) {
        BytesView expected = pattern_at(offset + done, data.size() - done);
        if (std::memcmp(expected.data(), data.data() + done, expected.size()) != 0) {
            throw ConformanceFailure(std::string(direction) + ": wrong data near offset " +
                                     std::to_string(offset + done) +
                                     " (bytes lost, duplicated or reordered)");
        }
        done += expected.size();
    }
}

Task<void> send_pattern(ByteStream& s, std::size_t total, std::size_t chunk) {
    std::size_t pos = 0;
    while (pos < total) {
        BytesView piece = pattern_at(pos, std::min(chunk, total - pos));
        co_await s.send(piece);
        pos += piece.size();
    }
}

Task<void> receive_pattern(ByteStream& s, std::size_t total, const char* direction) {
    std::size_t pos = 0;
    while (pos < total) {
        Bytes got = co_await s.receive(std::min<std::size_t>(kDefaultReceiveSize, total - pos));
        expect(!got.empty(), "receive returned an empty buffer");
        verify_pattern(got, pos, direction);
        pos += got.size();
    }
}

std::uint32_t lcg(std::uint32_t& state) {
    state = state * 1664525u + 1013904223u;
    return state >> 8;
}

// ------------------------------------------------------------------ cases

Task<void> receive_and_send(const StreamPairFactory& factory, const StreamTraits&) {
    auto a_b_pair = co_await factory();
    auto& a = a_b_pair.a;
    auto& b = a_b_pair.b;
    co_await a->send("hello");
    expect((co_await receive_count(*b, 5)).str() == "hello", "a -> b lost data");
    co_await b->send("world!");
    expect((co_await receive_count(*a, 6)).str() == "world!", "b -> a lost data");
    co_await a->aclose();
    co_await b->aclose();
}

Task<void> end_of_stream_raises(const StreamPairFactory& factory, const StreamTraits& traits) {
    auto a_b_pair = co_await factory();
    auto& a = a_b_pair.a;
    auto& b = a_b_pair.b;
    co_await a->send("x");
    if (traits.half_close) {
        co_await a->send_eof();
    } else {
        co_await a->aclose();
    }
    expect((co_await receive_count(*b, 1)).str() == "x", "data before EOF lost");
    co_await expect_raises<EndOfStream>(b->receive(), "receive at EOF");
    co_await expect_raises<EndOfStream>(b->receive(), "second receive at EOF");
    co_await a->aclose();
    co_await b->aclose();
}

Task<void> receive_into_fills_the_buffer(const StreamPairFactory& factory,
                                         const StreamTraits& traits) {
    auto a_b_pair = co_await factory();
    auto& a = a_b_pair.a;
    auto& b = a_b_pair.b;
    co_await a->send("hello, world");
    if (traits.half_close) {
        co_await a->send_eof();
    } else {
        co_await a->aclose();
    }
    // A buffer smaller than the message: several receives, each 1..4 bytes,
    // and nothing written past the span (the guard bytes around it).
    std::byte storage[8];
    std::memset(storage, 0x5a, sizeof storage);
    const std::span<std::byte> buffer(storage + 2, 4);
    std::string got;
    for (int i = 0; i < 64 && got.size() < 12; ++i) {
        const std::size_t n = co_await b->receive_into(buffer);
        expect(n >= 1 && n <= buffer.size(), "receive_into returned a count outside 1..size");
        got.append(reinterpret_cast<const char*>(buffer.data()), n);
    }
    expect(got == "hello, world", "receive_into lost or reordered data");
    expect(storage[0] == std::byte{0x5a} && storage[1] == std::byte{0x5a} &&
               storage[6] == std::byte{0x5a} && storage[7] == std::byte{0x5a},
           "receive_into wrote outside its buffer");
    co_await expect_raises<EndOfStream>(b->receive_into(buffer), "receive_into at EOF");
    co_await expect_raises<std::invalid_argument>(b->receive_into(std::span<std::byte>()),
                                                  "receive_into with an empty buffer");
    co_await a->aclose();
    co_await b->aclose();
}

Task<void> half_close(const StreamPairFactory& factory, const StreamTraits& traits) {
    if (!traits.half_close) co_return;
    auto a_b_pair = co_await factory();
    auto& a = a_b_pair.a;
    auto& b = a_b_pair.b;
    co_await a->send("last");
    co_await a->send_eof();
    expect((co_await receive_count(*b, 4)).str() == "last", "data before send_eof lost");
    co_await expect_raises<EndOfStream>(b->receive(), "receive after the peer's send_eof");
    co_await b->send("still open");
    expect((co_await receive_count(*a, 10)).str() == "still open",
           "the other direction broke after send_eof");
    co_await b->send_eof();
    co_await expect_raises<EndOfStream>(a->receive(), "receive after both send_eof");
    co_await a->aclose();
    co_await b->aclose();
}

Task<void> aclose_wakes_receiver(const StreamPairFactory& factory, const StreamTraits&) {
    auto a_b_pair = co_await factory();
    auto& a = a_b_pair.a;
    auto& b = a_b_pair.b;
    bool woke = false;
    co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
        tg.spawn([&]() -> Task<void> {
            co_await expect_raises<ClosedResourceError>(b->receive(),
                                                        "receive interrupted by our aclose");
            woke = true;
        });
        co_await settle();
        co_await b->aclose();
    });
    expect(woke, "the waiting receiver did not finish");
    co_await a->aclose();
}

Task<void> use_after_aclose(const StreamPairFactory& factory, const StreamTraits&) {
    auto a_b_pair = co_await factory();
    auto& a = a_b_pair.a;
    auto& b = a_b_pair.b;
    co_await b->aclose();
    co_await b->aclose();  // idempotent
    co_await expect_raises<ClosedResourceError>(b->send("x"), "send after aclose");
    co_await expect_raises<ClosedResourceError>(b->receive(), "receive after aclose");
    co_await a->aclose();
}

Task<void> concurrent_receive_is_busy(const StreamPairFactory& factory, const StreamTraits&) {
    auto a_b_pair = co_await factory();
    auto& a = a_b_pair.a;
    auto& b = a_b_pair.b;
    Bytes first;
    co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
        tg.spawn([&]() -> Task<void> { first = co_await b->receive(); });
        co_await settle();
        co_await expect_raises<BusyResourceError>(b->receive(), "second concurrent receive");
        co_await a->send("x");
    });
    expect(first.str() == "x", "the first receive did not get the data");
    // Not busy any more.
    co_await a->send("y");
    expect((co_await b->receive()).str() == "y", "receive after the busy one");
    co_await a->aclose();
    co_await b->aclose();
}

Task<void> concurrent_send_is_busy(const StreamPairFactory& factory, const StreamTraits&) {
    auto a_b_pair = co_await factory();
    auto& a = a_b_pair.a;
    auto& b = a_b_pair.b;
    Bytes big(std::size_t{32} << 20);  // more than any socket buffer takes
    co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
        tg.spawn([&]() -> Task<void> { co_await a->send(big); });
        co_await settle();
        co_await expect_raises<BusyResourceError>(a->send("y"), "second concurrent send");
        tg.cancel_scope().cancel();
    });
    co_await a->aclose();
    co_await b->aclose();
}

Task<void> peer_break_raises_broken(const StreamPairFactory& factory, const StreamTraits& traits) {
    auto a_b_pair = co_await factory();
    auto& a = a_b_pair.a;
    auto& b = a_b_pair.b;
    if (traits.break_connection) {
        co_await traits.break_connection(*a);
    } else {
        co_await a->aclose();
    }
    co_await settle();
    Bytes chunk(std::size_t{64} << 10);
    bool broken = false;
    for (int i = 0; i < 1000 && !broken; ++i) {
        try {
            co_await b->send(chunk);
        } catch (const BrokenResourceError&) {
            broken = true;
        }
        if (!broken && i % 16 == 15) co_await settle();
    }
    expect(broken, "sending to a broken connection never raised BrokenResourceError");
    co_await a->aclose();
    co_await b->aclose();
}

Task<void> large_transfer_both_ways(const StreamPairFactory& factory, const StreamTraits&) {
    auto a_b_pair = co_await factory();
    auto& a = a_b_pair.a;
    auto& b = a_b_pair.b;
    const auto total = std::max<std::size_t>(
        std::size_t{1} << 20, static_cast<std::size_t>(256.0 * (1 << 20) * test_scale()));
    co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
        tg.spawn(send_pattern(*a, total, 256 << 10));
        tg.spawn(send_pattern(*b, total, 100003));
        tg.spawn(receive_pattern(*b, total, "a -> b"));
        tg.spawn(receive_pattern(*a, total, "b -> a"));
        co_return;
    });
    co_await a->aclose();
    co_await b->aclose();
}

Task<void> cancelled_receive_loses_nothing(const StreamPairFactory& factory, const StreamTraits&) {
    auto a_b_pair = co_await factory();
    auto& a = a_b_pair.a;
    auto& b = a_b_pair.b;
    const auto total = std::max<std::size_t>(
        std::size_t{256} << 10, static_cast<std::size_t>(8.0 * (1 << 20) * test_scale()));
    std::size_t cancelled = 0;
    co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
        tg.spawn([&]() -> Task<void> {
            std::uint32_t rng = 1;
            std::size_t pos = 0;
            while (pos < total) {
                BytesView piece =
                    pattern_at(pos, std::min<std::size_t>(1 + lcg(rng) % 65536, total - pos));
                co_await a->send(piece);
                pos += piece.size();
                if (lcg(rng) % 4 == 0) co_await sleep(std::chrono::microseconds(lcg(rng) % 300));
            }
        });
        std::uint32_t rng = 7;
        std::size_t pos = 0;
        static constexpr std::chrono::microseconds kDelays[] = {0us, 20us, 100us, 400us, 1000us};
        for (std::size_t i = 0; pos < total; ++i) {
            expect(i < 50'000'000, "cancelled-receive loop did not finish");
            const auto delay = kDelays[lcg(rng) % 5];
            const std::size_t max = 1 + lcg(rng) % 100000;
            auto got = co_await move_on_after(delay, b->receive(max));
            if (!got) {
                ++cancelled;
                continue;
            }
            expect(!got->empty() && got->size() <= max, "receive size out of range");
            verify_pattern(*got, pos, "cancelled receives");
            pos += got->size();
        }
    });
    (void)cancelled;
    co_await a->aclose();
    co_await b->aclose();
}

Task<void> cancelled_send_delivers_a_prefix(const StreamPairFactory& factory, const StreamTraits&) {
    auto a_b_pair = co_await factory();
    auto& a = a_b_pair.a;
    auto& b = a_b_pair.b;
    const auto chunks = std::max<std::size_t>(16, static_cast<std::size_t>(64.0 * test_scale()));
    std::vector<std::size_t> length(chunks);
    std::vector<int> completed(chunks, -1);  // -1: not finished yet
    auto color = [](std::size_t k) { return static_cast<std::byte>(k % 251 + 1); };
    co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
        tg.spawn([&]() -> Task<void> {
            std::uint32_t rng = 3;
            static constexpr std::chrono::microseconds kDelays[] = {0us, 20us, 100us, 500us,
                                                                    2000us};
            for (std::size_t k = 0; k < chunks; ++k) {
                length[k] = 1 + lcg(rng) % (256 << 10);
                Bytes chunk;
                chunk.resize_uninitialized(length[k]);
                std::memset(chunk.data(), static_cast<int>(color(k)), length[k]);
                const bool done = co_await move_on_after(kDelays[lcg(rng) % 5], a->send(chunk));
                completed[k] = done ? 1 : 0;
            }
            co_await a->aclose();
        });
        std::size_t k = 0, count = 0;
        auto finish = [&](std::size_t index, std::size_t n) {
            expect(index < chunks, "more chunks arrived than were sent");
            expect(completed[index] != -1, "data of a chunk whose send had not finished");
            if (completed[index] == 1) {
                expect(n == length[index], "chunk " + std::to_string(index) + ": " +
                                               std::to_string(n) + " of " +
                                               std::to_string(length[index]) + " bytes arrived");
            } else {
                expect(n <= length[index], "cancelled chunk delivered too much (duplicated)");
            }
        };
        std::uint32_t rng = 11;
        for (std::size_t reads = 0;; ++reads) {
            Bytes got;
            try {
                got = co_await b->receive();
            } catch (const EndOfStream&) {
                break;
            }
            for (std::byte byte : got) {
                if (byte == color(k)) {
                    ++count;
                    continue;
                }
                finish(k, count);
                ++k;
                while (k < chunks && byte != color(k))
                    finish(k++, 0);
                count = 1;
            }
            if (lcg(rng) % 8 == 0) co_await sleep(200us);
        }
        if (count > 0 || k < chunks) finish(k, count);
        for (++k; k < chunks; ++k)
            finish(k, 0);
    });
    co_await b->aclose();
}

}  // namespace

double test_scale() {
    const char* text = std::getenv("CORONET_TEST_SCALE");
    if (!text || !*text) return 1.0;
    char* end = nullptr;
    const double value = std::strtod(text, &end);
    if (end == text || !(value > 0)) return 1.0;
    return value;
}

const std::vector<ConformanceCase>& byte_stream_conformance_cases() {
    static const std::vector<ConformanceCase> cases = {
        {"ReceiveAndSend", receive_and_send},
        {"EndOfStreamRaises", end_of_stream_raises},
        {"ReceiveIntoFillsTheBuffer", receive_into_fills_the_buffer},
        {"HalfClose", half_close},
        {"ACloseWakesWaitingReceiver", aclose_wakes_receiver},
        {"UseAfterACloseRaisesClosed", use_after_aclose},
        {"ConcurrentReceiveIsBusy", concurrent_receive_is_busy},
        {"ConcurrentSendIsBusy", concurrent_send_is_busy},
        {"PeerBreakRaisesBroken", peer_break_raises_broken},
        {"LargeTransferBothWays", large_transfer_both_ways},
        {"CancelledReceiveLosesNothing", cancelled_receive_loses_nothing},
        {"CancelledSendDeliversAPrefix", cancelled_send_delivers_a_prefix},
    };
    return cases;
}

}  // namespace coronet::testing
