// The byte-stream conformance suite: checks that a ByteStream keeps the
// contract described in coronet/stream/byte_stream.hpp. Public, so that
// users can run it on their own streams; GoogleTest-independent (each case
// throws ConformanceFailure on failure). For GoogleTest glue see
// stream_conformance_gtest.hpp.
//
//     coronet::testing::StreamPairFactory factory = []() -> Task<StreamPair> {
//         auto [a, b] = create_memory_byte_stream_pair();
//         co_return StreamPair{std::move(a), std::move(b)};
//     };
//     for (const auto& c : byte_stream_conformance_cases())
//         coronet::run([&] { return c.run(factory, {}); });
//
// Each case gets a fresh connected pair from the factory and must be run
// inside a running loop (coronet::run). The big transfer's size is 256 MiB
// times the CORONET_TEST_SCALE environment variable (a float, default 1).
#pragma once

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "coronet/runtime/task.hpp"
#include "coronet/testing/conformance_failure.hpp"
#include "coronet/stream/byte_stream.hpp"

namespace coronet::testing {

// Two connected streams: what `a` sends, `b` receives, and back.
struct StreamPair {
    std::unique_ptr<ByteStream> a;
    std::unique_ptr<ByteStream> b;
};

using StreamPairFactory = std::function<Task<StreamPair>()>;

// What the stream under test supports.
struct StreamTraits {
    // send_eof() half-closes (the other direction keeps working).
    bool half_close = true;
    // Breaks the connection from `a`'s side so that `b`'s sends fail with
    // BrokenResourceError (a TCP reset, for instance). Unset: a.aclose().
    std::function<Task<void>(ByteStream& a)> break_connection;
};


struct ConformanceCase {
    const char* name;
    Task<void> (*run)(const StreamPairFactory& factory, const StreamTraits& traits);
};

// Every case, in a stable order.
const std::vector<ConformanceCase>& byte_stream_conformance_cases();

// CORONET_TEST_SCALE (default 1.0; invalid or non-positive values are 1.0).
double test_scale();

}  // namespace coronet::testing
