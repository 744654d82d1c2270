// The command line both TLS benchmark clients take, so that run.sh and
// smoke.sh can drive either the same way:
//
//     <client> bulk|handshakes --port P --cafile F [--seconds S] [--max-bytes N]
//              [--max-count N] [--concurrency C] [client-specific options]
//
// A client-specific option (the coronet client's --backend) is handed to
// the client's own callback. Every mistake is a std::invalid_argument
// naming it; the clients print it with usage_error() and exit 2.
//
// Shared by the plain-OpenSSL and the coronet programs; uses neither.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tls_bench {

struct Args {
    std::string mode;
    int port = 0;
    std::string cafile;
    double seconds = 2.0;
    std::uint64_t max_bytes = UINT64_MAX;
    std::uint64_t max_count = UINT64_MAX;
    int concurrency = 1;
};

inline std::uint64_t parse_number(const char* text, const char* what) {
    char* end = nullptr;
    errno = 0;
    const unsigned long long v = std::strtoull(text, &end, 10);
    if (!*text || *end || errno || text[0] == '-')
        throw std::invalid_argument(std::string("bad ") + what + " '" + text + "'");
    return v;
}

// `extra(option, value)` takes an option the common set does not know and
// returns whether it knew it.
template <class Extra>
Args parse_args(int argc, char** argv, Extra extra) {
    Args a;
    if (argc < 2) throw std::invalid_argument("missing mode (bulk or handshakes)");
    a.mode = argv[1];
    if (a.mode != "bulk" && a.mode != "handshakes")
        throw std::invalid_argument("unknown mode '" + a.mode + "' (want bulk or handshakes)");
    for (int i = 2; i < argc; ++i) {
        const std::string_view o = argv[i];
        if (i + 1 >= argc)
            throw std::invalid_argument("option '" + std::string(o) + "' needs a value");
        const char* v = argv[++i];
        if (o == "--port") {
            a.port = static_cast<int>(parse_number(v, "port"));
        } else if (o == "--cafile") {
            a.cafile = v;
        } else if (o == "--seconds") {
            a.seconds = std::atof(v);
        } else if (o == "--max-bytes") {
            a.max_bytes = parse_number(v, "byte count");
        } else if (o == "--max-count") {
            a.max_count = parse_number(v, "count");
        } else if (o == "--concurrency") {
            a.concurrency = static_cast<int>(parse_number(v, "concurrency"));
        } else if (!extra(o, v)) {
            throw std::invalid_argument("unknown option '" + std::string(o) + "'");
        }
    }
    if (a.port < 1 || a.port > 65535) throw std::invalid_argument("--port 1-65535 is required");
    if (a.cafile.empty()) throw std::invalid_argument("--cafile is required");
    if (!(a.seconds > 0 && a.seconds <= 600))
        throw std::invalid_argument("--seconds must be in (0, 600]");
    if (a.concurrency < 1 || a.concurrency > 64)
        throw std::invalid_argument("--concurrency must be 1-64");
    if (a.max_bytes == 0 || a.max_count == 0)
        throw std::invalid_argument("limits must be positive");
    return a;
}

inline Args parse_args(int argc, char** argv) {
    return parse_args(argc, argv, [](std::string_view, const char*) { return false; });
}

// The message for a bad command line, with the usage of client `name`
// (bench_tls_<name>), whose own options are `extra_usage`. Returns the
// exit status.
inline int usage_error(const char* name, const char* message, const char* extra_usage = "") {
    std::fprintf(stderr,
                 "%s: %s\nusage: bench_tls_%s bulk|handshakes --port P --cafile F [--seconds S] "
                 "[--max-bytes N] [--max-count N] [--concurrency C]%s\n",
                 name, message, name, extra_usage);
    return 2;
}

}  // namespace tls_bench
