// examples/subprocess_date run as a process: it prints "Current date: "
// and what its python3 child printed for datetime.datetime.now(), exactly
// as the reference's program does.
#include <gtest/gtest.h>

#include <ctime>
#include <regex>
#include <string>

#include "support/example_process.hpp"

using namespace example_process;

namespace {

// Now in str(datetime.datetime.now())'s format, to the second (local time,
// as the child's python uses).
std::string local_now_to_the_second() {
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    ::localtime_r(&now, &local);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &local);
    return text;
}

TEST(AsyncioExamples, SubprocessDatePrintsTheChildsDate) {
    TempDir dir;
    const std::string before = local_now_to_the_second();
    Child child(example_path("subprocess_date"), {}, dir.path + "/err", dir.path + "/out");
    ASSERT_EQ(child.wait(), 0) << child.stderr_text();
    const std::string after = local_now_to_the_second();
    const std::string out = child.stdout_text();
    // str(datetime) leaves the microseconds out when they are zero.
    static const std::regex kLine(R"(Current date: (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(\.\d{6})?\n)");
    std::smatch m;
    ASSERT_TRUE(std::regex_match(out, m, kLine)) << "stdout: " << out;
    // The child ran between the two readings of the clock (the same format
    // compares as text).
    EXPECT_LE(before, m[1].str());
    EXPECT_LE(m[1].str(), after);
    EXPECT_EQ(child.stderr_text(), "");
}

}  // namespace
