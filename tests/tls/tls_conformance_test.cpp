// The byte-stream conformance suite over TLS: on the in-memory pair and on
// TCP, with TLS 1.3 (half-close supported) and TLS 1.2 (not).
#include <gtest/gtest.h>

#include <coronet/net/socket_options.hpp>
#include <coronet/testing/stream_conformance_gtest.hpp>

#include "tls/tls_test_support.hpp"

using coronet::Task;
using coronet::TLSVersion;
using coronet::testing::StreamFixture;
using coronet::testing::StreamPair;

namespace {

// A TCP reset under the TLS stream (no close_notify).
Task<void> reset_under_tls(coronet::ByteStream& s) {
    auto* socket = s.extra<coronet::attr::raw_socket>();
    coronet::net::set_linger(const_cast<coronet::net::Socket&>(*socket), std::chrono::seconds(0));
    co_await s.aclose();
}

StreamFixture memory_fixture(TLSVersion version) {
    StreamFixture f;
    f.factory = [version]() -> Task<StreamPair> {
        co_return tls_test::as_stream_pair(
            co_await tls_test::memory_pair(tls_test::default_pair(version)));
    };
    f.traits.half_close = version == TLSVersion::TLSv1_3;
    return f;
}

StreamFixture tcp_fixture(TLSVersion version) {
    StreamFixture f;
    f.factory = [version]() -> Task<StreamPair> {
        co_return tls_test::as_stream_pair(
            co_await tls_test::tls_tcp_pair(tls_test::default_pair(version)));
    };
    f.traits.half_close = version == TLSVersion::TLSv1_3;
    f.traits.break_connection = reset_under_tls;
    return f;
}

}  // namespace

INSTANTIATE_BYTE_STREAM_CONFORMANCE(TlsMemory13,
                                    [] { return memory_fixture(TLSVersion::TLSv1_3); });
INSTANTIATE_BYTE_STREAM_CONFORMANCE(TlsMemory12,
                                    [] { return memory_fixture(TLSVersion::TLSv1_2); });
INSTANTIATE_BYTE_STREAM_CONFORMANCE(TlsTcp13, [] { return tcp_fixture(TLSVersion::TLSv1_3); });
INSTANTIATE_BYTE_STREAM_CONFORMANCE(TlsTcp12, [] { return tcp_fixture(TLSVersion::TLSv1_2); });
