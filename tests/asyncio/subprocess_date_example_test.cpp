// examples/subprocess_date run as a process: it prints "Current date: "
// and what its python3 child printed for datetime.datetime.now(), exactly
// as the reference's program does.
#include <gtest/gtest.h>

#include <ctime>
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

// Whether `text` has the shape of `pattern`, where '9' stands for any digit
// (std::regex trips g++ 12's -Wmaybe-uninitialized under ASan).
bool has_shape(const std::string& text, const std::string& pattern) {
    if (text.size() != pattern.size()) return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const bool digit = text[i] >= '0' && text[i] <= '9';
        if (pattern[i] == '9' ? !digit : text[i] != pattern[i]) return false;
    }
    return true;
}

TEST(AsyncioExamples, SubprocessDatePrintsTheChildsDate) {
    TempDir dir;
    const std::string before = local_now_to_the_second();
    Child child(example_path("subprocess_date"), {}, dir.path + "/err", dir.path + "/out");
    ASSERT_EQ(child.wait(), 0) << child.stderr_text();
    const std::string after = local_now_to_the_second();
    const std::string out = child.stdout_text();
    const std::string prefix = "Current date: ";
    ASSERT_EQ(out.rfind(prefix, 0), 0u) << "stdout: " << out;
    const std::string date = out.substr(prefix.size());
    // str(datetime) leaves the microseconds out when they are zero.
    ASSERT_TRUE(has_shape(date, "9999-99-99 99:99:99.999999\n") ||
                has_shape(date, "9999-99-99 99:99:99\n"))
        << "stdout: " << out;
    const std::string seconds = date.substr(0, 19);
    // The child ran between the two readings of the clock (the same format
    // compares as text).
    EXPECT_LE(before, seconds);
    EXPECT_LE(seconds, after);
    EXPECT_EQ(child.stderr_text(), "");
}

}  // namespace
