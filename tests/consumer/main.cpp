// Uses an installed coronet: the version header and a few base types.
#include <coronet/base/bytes.hpp>
#include <coronet/version.hpp>
#include <cstdio>
#include <string_view>

static_assert(CORONET_VERSION ==
              CORONET_VERSION_MAJOR * 10000 + CORONET_VERSION_MINOR * 100 + CORONET_VERSION_PATCH);

int main() {
    const coronet::Bytes greeting = coronet::concat("Hello, ", "consumer", "!");
    if (greeting.str() != std::string_view("Hello, consumer!")) {
        std::fprintf(stderr, "concat gave the wrong bytes\n");
        return 1;
    }
    std::printf("coronet %s (%d.%d.%d): %.*s\n", CORONET_VERSION_STRING, CORONET_VERSION_MAJOR,
                CORONET_VERSION_MINOR, CORONET_VERSION_PATCH, static_cast<int>(greeting.size()),
                reinterpret_cast<const char*>(greeting.data()));
    return 0;
}
