#include <gtest/gtest.h>

#include <coronet/base/bytes.hpp>
#include <string>

using namespace coronet;

TEST(Bytes, FromAndToStringView) {
    Bytes b = "hello";
    EXPECT_EQ(b.size(), 5u);
    EXPECT_EQ(b.str(), "hello");
    EXPECT_EQ(b.to_string(), std::string("hello"));
    Bytes from_string = std::string("abc");
    EXPECT_EQ(from_string.str(), "abc");
}

TEST(Bytes, ConcatMixesKinds) {
    const std::string name = "World";
    const Bytes tail = "\n";
    Bytes joined = concat("Hello, ", name, tail, std::string_view("!"));
    EXPECT_EQ(joined.str(), "Hello, World\n!");
    EXPECT_EQ(joined.capacity(), joined.size());  // sized once
    EXPECT_TRUE(concat().empty());
}

TEST(Bytes, MoveDoesNotCopyThePayload) {
    Bytes a = "payload";
    const std::byte* data = a.data();
    Bytes b = std::move(a);
    EXPECT_EQ(b.data(), data);
    EXPECT_TRUE(a.empty());  // NOLINT: moved-from state is specified: empty
    Bytes c;
    c = std::move(b);
    EXPECT_EQ(c.data(), data);
}

TEST(Bytes, CopyIsDeep) {
    Bytes a = "x";
    Bytes b = a;
    b[0] = std::byte{'y'};
    EXPECT_EQ(a.str(), "x");
    EXPECT_EQ(b.str(), "y");
}

TEST(Bytes, ResizeZeroesAndUninitializedDoesNot) {
    Bytes b;
    b.resize(4);
    for (auto x : b)
        EXPECT_EQ(x, std::byte{0});
    b.resize_uninitialized(100);
    EXPECT_EQ(b.size(), 100u);
    b.resize(2);
    EXPECT_EQ(b.size(), 2u);
    Bytes zeros(3);
    EXPECT_EQ(zeros.view(), BytesView(std::string_view("\0\0\0", 3)));
}

TEST(Bytes, AppendAndEraseFront) {
    Bytes b = "abc";
    b.append("def");
    EXPECT_EQ(b.str(), "abcdef");
    b.erase_front(2);
    EXPECT_EQ(b.str(), "cdef");
    b.erase_front(100);
    EXPECT_TRUE(b.empty());
}

TEST(BytesView, SubviewClamps) {
    BytesView v("hello");
    EXPECT_EQ(v.subview(1, 3).str(), "ell");
    EXPECT_EQ(v.subview(3).str(), "lo");
    EXPECT_TRUE(v.subview(10).empty());
    EXPECT_EQ(v, BytesView(Bytes("hello")));
    EXPECT_FALSE(v == BytesView("help!"));
}

TEST(Bytes, EscapeForMessages) {
    EXPECT_EQ(escape_bytes(BytesView(std::string_view("a\nb\x01\\", 5))), "a\\nb\\x01\\\\");
    EXPECT_EQ(escape_bytes("abcdef", 3), "abc...");
}
