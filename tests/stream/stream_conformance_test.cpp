// The byte-stream conformance suite on SocketStream over TCP (IPv4, IPv6)
// and UNIXSocketStream. (The in-memory pair runs it in tests/testing.)
#include <gtest/gtest.h>

#include <coronet/testing/stream_conformance_gtest.hpp>

#include "stream/stream_test_support.hpp"

using coronet::Task;
using coronet::testing::StreamFixture;
using coronet::testing::StreamPair;

namespace {

StreamFixture tcp_fixture(std::string host) {
    StreamFixture f;
    f.factory = [host]() -> Task<StreamPair> {
        co_return stream_test::as_stream_pair(co_await stream_test::tcp_pair(host));
    };
    f.traits.break_connection = stream_test::reset_connection;
    return f;
}

StreamFixture unix_fixture() {
    StreamFixture f;
    f.factory = []() -> Task<StreamPair> {
        co_return stream_test::as_stream_pair(co_await stream_test::unix_pair());
    };
    return f;
}

}  // namespace

INSTANTIATE_BYTE_STREAM_CONFORMANCE(TcpV4, [] { return tcp_fixture("127.0.0.1"); });
INSTANTIATE_BYTE_STREAM_CONFORMANCE(TcpV6, [] { return tcp_fixture("::1"); });
INSTANTIATE_BYTE_STREAM_CONFORMANCE(Unix, unix_fixture);
