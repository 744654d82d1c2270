// GoogleTest glue for the byte-stream conformance suite (header-only; include
// it from test code only).
//
//     INSTANTIATE_BYTE_STREAM_CONFORMANCE(Memory, [] {
//         return coronet::testing::StreamFixture{factory, traits};
//     });
//
// expands to one parameterised test per conformance case, named after it.
#pragma once

#include <gtest/gtest.h>

#include <exception>
#include <string>

#include "coronet/base/errors.hpp"
#include "coronet/runtime/run.hpp"
#include "coronet/testing/stream_conformance.hpp"

namespace coronet::testing {

struct StreamFixture {
    StreamPairFactory factory;
    StreamTraits traits;
};

// Runs one case on a fresh loop; a failure becomes a GoogleTest failure.
inline void run_conformance_case(const ConformanceCase& c, const StreamFixture& fixture) {
    try {
        coronet::run([&]() { return c.run(fixture.factory, fixture.traits); });
    } catch (const ConformanceFailure& e) {
        ADD_FAILURE() << c.name << ": " << e.what();
    } catch (const std::exception& e) {
        ADD_FAILURE() << c.name << ": unexpected " << describe_exception(std::current_exception());
    } catch (const Cancelled&) {
        ADD_FAILURE() << c.name << ": unexpected Cancelled";
    }
}

inline std::string conformance_case_name(const ::testing::TestParamInfo<ConformanceCase>& info) {
    return info.param.name;
}

}  // namespace coronet::testing

// Defines test suite `Name##Conformance` running every case on the fixture
// returned by the callable given after the name (variadic, so a lambda with
// commas needs no extra parentheses).
#define INSTANTIATE_BYTE_STREAM_CONFORMANCE(Name, ...)                             \
    class Name##Conformance                                                        \
        : public ::testing::TestWithParam<::coronet::testing::ConformanceCase> {}; \
    TEST_P(Name##Conformance, Case) {                                              \
        ::coronet::testing::run_conformance_case(GetParam(), (__VA_ARGS__)());     \
    }                                                                              \
    INSTANTIATE_TEST_SUITE_P(                                                      \
        Stream, Name##Conformance,                                                 \
        ::testing::ValuesIn(::coronet::testing::byte_stream_conformance_cases()),  \
        ::coronet::testing::conformance_case_name)
