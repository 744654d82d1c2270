// BufferedByteReceiveStream fed arbitrary data in arbitrary chunks, read with
// an arbitrary mix of receive / receive_exactly / receive_until (arbitrary
// delimiters and limits). Invariant: what the calls return, with the
// delimiters they consumed and what IncompleteRead hands back, is exactly the
// data sent, in order; DelimiterNotFound keeps the data buffered.
#include <fuzzer/FuzzedDataProvider.h>

#include <coronet/coronet.hpp>
#include <coronet/testing/memory_byte_stream.hpp>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "fuzz_check.hpp"

using namespace coronet;

namespace {

struct Script {
    std::vector<std::string> chunks;  // what the sender sends, in order
    std::vector<std::uint8_t> ops;    // what the reader does, in order
    std::vector<std::size_t> sizes;   // sizes and limits for the ops
    std::string delimiter;
};

Script parse_script(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    Script s;
    s.delimiter = in.ConsumeRandomLengthString(4);
    const auto op_count = in.ConsumeIntegralInRange<std::size_t>(1, 64);
    for (std::size_t i = 0; i < op_count; ++i) {
        s.ops.push_back(in.ConsumeIntegralInRange<std::uint8_t>(0, 2));
        s.sizes.push_back(in.ConsumeIntegralInRange<std::size_t>(0, 300));
    }
    while (in.remaining_bytes() > 0) {
        const auto n = in.ConsumeIntegralInRange<std::size_t>(1, 512);
        std::string chunk = in.ConsumeBytesAsString(n);
        if (!chunk.empty()) s.chunks.push_back(std::move(chunk));
    }
    return s;
}

Task<void> check(const Script& s) {
    auto streams = testing::create_memory_byte_stream_pair(1024);
    auto& writer = streams.first;
    auto& reader = streams.second;
    std::string sent;
    for (const auto& c : s.chunks)
        sent += c;
    std::string consumed;  // everything the reader took, delimiters included
    BufferedByteReceiveStream buffered(*reader);
    co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
        tg.spawn([&]() -> Task<void> {
            try {
                for (const auto& c : s.chunks)
                    co_await writer->send(c);
                co_await writer->send_eof();
            } catch (const ClosedResourceError&) {
            } catch (const BrokenResourceError&) {
                // The reader stopped early and closed its end.
            }
        });
        bool ended = false;
        for (std::size_t i = 0; i < s.ops.size() && !ended; ++i) {
            const std::size_t n = s.sizes[i];
            try {
                switch (s.ops[i]) {
                    case 0: {
                        if (n == 0) break;
                        Bytes b = co_await buffered.receive(n);
                        FUZZ_CHECK(!b.empty() && b.size() <= n, "receive size out of range");
                        consumed += b.str();
                        break;
                    }
                    case 1: {
                        Bytes b = co_await buffered.receive_exactly(n);
                        FUZZ_CHECK(b.size() == n, "receive_exactly returned another size");
                        consumed += b.str();
                        break;
                    }
                    default: {
                        const std::size_t before = buffered.buffer().size();
                        try {
                            Bytes b = co_await buffered.receive_until(s.delimiter, n);
                            FUZZ_CHECK(b.size() <= n, "receive_until returned more than max_bytes");
                            FUZZ_CHECK(b.str().find(s.delimiter) == std::string::npos ||
                                           s.delimiter.empty(),
                                       "receive_until skipped an earlier delimiter");
                            consumed += b.str();
                            consumed += s.delimiter;
                        } catch (const DelimiterNotFound&) {
                            FUZZ_CHECK(buffered.buffer().size() >= before,
                                       "DelimiterNotFound dropped buffered data");
                        }
                        break;
                    }
                }
            } catch (const IncompleteRead& e) {
                consumed += e.partial().str();
                ended = true;
            } catch (const EndOfStream&) {
                ended = true;
            } catch (const std::invalid_argument&) {
                // An empty delimiter or a zero size, refused by name.
            }
            FUZZ_CHECK(
                consumed.size() <= sent.size() && sent.compare(0, consumed.size(), consumed) == 0,
                "the reader got bytes that were not sent, or out of order");
        }
        const std::string rest(buffered.buffer().str());
        FUZZ_CHECK(sent.compare(consumed.size(), rest.size(), rest) == 0,
                   "the buffer does not hold the next bytes sent");
        if (ended) FUZZ_CHECK(consumed == sent, "end of stream before all data was returned");
        co_await reader->aclose();
    });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const Script script = parse_script(data, size);
    coronet::run([&] { return check(script); });
    return 0;
}
