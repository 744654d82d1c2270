#include <gtest/gtest.h>

#include <cerrno>
#include <coronet/base/errors.hpp>
#include <string>
#include <type_traits>

using namespace coronet;

TEST(Errors, HierarchyFollowsAnyIO) {
    static_assert(std::is_base_of_v<Error, EndOfStream>);
    static_assert(std::is_base_of_v<Error, ClosedResourceError>);
    static_assert(std::is_base_of_v<Error, BrokenResourceError>);
    static_assert(std::is_base_of_v<Error, BusyResourceError>);
    static_assert(std::is_base_of_v<Error, TimeoutError>);
    static_assert(std::is_base_of_v<Error, WouldBlock>);
    static_assert(std::is_base_of_v<std::system_error, OSError>);
    static_assert(!std::is_base_of_v<std::exception, Cancelled>,
                  "catch (std::exception&) must not swallow Cancelled");
    EXPECT_STREQ(EndOfStream().what(), "end of stream");
    EXPECT_STREQ(BusyResourceError("receiving").what(),
                 "another task is already receiving on this resource");
}

TEST(Errors, OSErrorNamesOperationAddressAndErrno) {
    OSError e(ECONNREFUSED, "connect", "127.0.0.1:9");
    EXPECT_EQ(e.error_number(), ECONNREFUSED);
    EXPECT_EQ(e.operation(), "connect");
    EXPECT_EQ(e.address(), "127.0.0.1:9");
    EXPECT_EQ(std::string(e.what()), "connect 127.0.0.1:9: Connection refused");
    EXPECT_THROW(throw_os_error(EBADF, "recv"), OSError);
}

TEST(Errors, BrokenResourceCarriesErrno) {
    BrokenResourceError e("connection reset by peer", ECONNRESET);
    EXPECT_EQ(e.error_number(), ECONNRESET);
}

TEST(Errors, ExceptionGroupHoldsEveryFailure) {
    ExceptionGroup group("unhandled errors in a task group",
                         {std::make_exception_ptr(std::runtime_error("a")),
                          std::make_exception_ptr(TimeoutError())});
    EXPECT_EQ(group.size(), 2u);
    EXPECT_STREQ(group.what(), "unhandled errors in a task group (2 sub-exceptions)");
    EXPECT_THROW(group.rethrow(1), TimeoutError);
    const std::string text = describe_exception(std::make_exception_ptr(group));
    EXPECT_NE(text.find("std::runtime_error: a"), std::string::npos) << text;
    EXPECT_NE(text.find("coronet::TimeoutError"), std::string::npos) << text;
}

TEST(Errors, DescribeException) {
    EXPECT_EQ(describe_exception(nullptr), "no exception");
    EXPECT_EQ(describe_exception(std::make_exception_ptr(Cancelled())), "coronet::Cancelled");
    EXPECT_EQ(describe_exception(std::make_exception_ptr(42)), "int");
}
