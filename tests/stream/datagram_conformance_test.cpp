// The datagram conformance suite (coronet/testing) on every datagram socket
// type: UDP over IPv4 and IPv6, connected UDP, UNIX datagram sockets plain and
// connected. The backend comes from CORONET_BACKEND, as for every test.
#include <gtest/gtest.h>

#include <chrono>
#include <coronet/coronet.hpp>
#include <coronet/testing/datagram_conformance.hpp>
#include <string>
#include <tuple>

using namespace coronet;
using namespace coronet::testing;
using namespace std::chrono_literals;

namespace {

struct PairKind {
    const char* name;
    DatagramPairFactory make;
};

const PairKind kKinds[] = {
    {"udp_v4", [] { return make_udp_pair(AF_INET); }},
    {"udp_v6", [] { return make_udp_pair(AF_INET6); }},
    {"connected_udp_v4", [] { return make_connected_udp_pair(AF_INET); }},
    {"connected_udp_v6", [] { return make_connected_udp_pair(AF_INET6); }},
    {"unix", [] { return make_unix_datagram_pair(); }},
    {"connected_unix", [] { return make_connected_unix_datagram_pair(); }},
};

using Param = std::tuple<std::size_t, std::size_t>;  // kind, case

class DatagramConformance : public ::testing::TestWithParam<Param> {};

std::string param_name(const ::testing::TestParamInfo<Param>& info) {
    const auto [kind, index] = info.param;
    std::string name = kKinds[kind].name;
    name += '_';
    name += datagram_conformance_cases()[index].name;
    return name;
}

}  // namespace

TEST_P(DatagramConformance, Case) {
    const auto [kind, index] = GetParam();
    const DatagramCase& c = datagram_conformance_cases()[index];
    try {
        run([&]() -> Task<void> {
            // A safety net against a hang, not a timing check.
            co_await fail_after(60s, c.run(kKinds[kind].make));
        });
    } catch (const ConformanceFailure& e) {
        FAIL() << kKinds[kind].name << " / " << c.name << ": " << e.what();
    }
}

INSTANTIATE_TEST_SUITE_P(
    Datagram, DatagramConformance,
    ::testing::Combine(::testing::Range<std::size_t>(0, std::size(kKinds)),
                       ::testing::Range<std::size_t>(0, datagram_conformance_cases().size())),
    param_name);
