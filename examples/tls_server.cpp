// A TCP echo server over TLS: every connection gets its own bytes back until
// it closes.
//
//     tls_server PORT --cert F --key F [--alpn P]
//
//     tls_server 8443 --cert server.pem --key server.key
//     echo hello | tls_client localhost 8443 --cafile ca.pem
//
// Handshakes run in each connection's own task (TLSListener), bounded by a
// 10 s handshake timeout; a failed one is reported on stderr and the server
// keeps serving. Listens on every local address; stops on Ctrl+C.
#include <charconv>
#include <coronet/coronet.hpp>
#include <cstdio>
#include <string>
#include <string_view>

using namespace coronet;
using namespace std::chrono_literals;

namespace {

struct Args {
    int port = 0;
    std::string cert;
    std::string key;
    std::string alpn;
};

Task<void> echo(TLSStream client) {
    const std::string peer = client.extra<attr::remote_address>().to_string();
    std::fprintf(stderr, "%s: %s\n", peer.c_str(), client.extra<attr::tls_version>().c_str());
    try {
        for (;;)
            co_await client.send(co_await client.receive());
    } catch (const EndOfStream&) {
    }
    co_await client.aclose();
    std::fprintf(stderr, "%s: closed\n", peer.c_str());
}

Task<void> server(Args args) {
    auto ctx = create_default_context(Purpose::client_auth);
    ctx->load_cert_chain(args.cert, args.key);
    if (!args.alpn.empty()) ctx->set_alpn_protocols({args.alpn});
    auto tcp = co_await create_tcp_listener({.local_port = args.port});
    TLSListener listener(std::move(tcp), ctx, {.handshake_timeout = 10s});
    std::fprintf(stderr, "listening on port %d\n", listener.extra<attr::local_port>());
    co_await listener.serve(echo);
}

bool parse_port(std::string_view text, int& port) {
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), port);
    return error == std::errc() && end == text.data() + text.size() && port >= 0 && port <= 65535;
}

}  // namespace

int main(int argc, char** argv) {
    Args args;
    bool ok = argc >= 2 && parse_port(argv[1], args.port);
    for (int i = 2; ok && i < argc; ++i) {
        const std::string_view a = argv[i];
        if ((a == "--cert" || a == "--key" || a == "--alpn") && i + 1 < argc) {
            (a == "--cert" ? args.cert : a == "--key" ? args.key : args.alpn) = argv[++i];
        } else {
            ok = false;
        }
    }
    if (!ok || args.cert.empty() || args.key.empty()) {
        std::fprintf(stderr, "usage: tls_server PORT --cert F --key F [--alpn P]\n");
        return 2;
    }
    try {
        run(server, args);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tls_server: %s\n", e.what());
        return 1;
    }
    return 0;
}
