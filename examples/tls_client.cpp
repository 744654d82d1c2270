// A TCP client over TLS: sends its standard input to HOST:PORT and prints
// what comes back until the server closes.
//
//     tls_client HOST PORT [--cafile F] [--alpn P] [--insecure]
//
//     printf 'GET / HTTP/1.0\r\nHost: example.com\r\n\r\n' | tls_client example.com 443
//     echo hello | tls_client localhost 8443 --cafile ca.pem    (with tls_server)
//
// The server's certificate is verified against the system CA store (or
// --cafile) and HOST; --insecure turns verification off on purpose (the
// asyncio recipe for testing against self-signed servers). On TLS 1.3 the
// client half-closes after its input (send_eof sends close_notify and keeps
// reading); on TLS 1.2 it just keeps reading. The session's details go to
// stderr. Standard input is read completely before connecting.
#include <charconv>
#include <coronet/coronet.hpp>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>
#include <string_view>

using namespace coronet;

namespace {

struct Args {
    std::string host;
    int port = 0;
    std::string cafile;
    std::string alpn;
    bool insecure = false;
};

Task<void> client(Args args, std::string input) {
    auto ctx = create_default_context(Purpose::server_auth, args.cafile);
    if (args.insecure) {
        ctx->set_check_hostname(false);
        ctx->set_verify_mode(VerifyMode::none);
    }
    if (!args.alpn.empty()) ctx->set_alpn_protocols({args.alpn});
    TLSStream tls = co_await connect_tcp(args.host, args.port, {.tls = true, .ssl_context = ctx});
    const CipherInfo cipher = tls.extra<attr::cipher>();
    std::fprintf(stderr, "connected: %s, %s", tls.extra<attr::tls_version>().c_str(),
                 cipher.name.c_str());
    if (auto proto = tls.extra<attr::alpn_protocol>())
        std::fprintf(stderr, ", ALPN %s", proto->c_str());
    if (auto cert = tls.extra<attr::peercert>()) {
        for (const auto& [field, value] : cert->subject)
            if (field == "commonName") std::fprintf(stderr, ", server CN %s", value.c_str());
    }
    std::fprintf(stderr, "\n");
    if (!input.empty()) co_await tls.send(input);
    if (tls.extra<attr::tls_version>() == "TLSv1.3") co_await tls.send_eof();
    try {
        for (;;) {
            Bytes data = co_await tls.receive();
            std::fwrite(data.data(), 1, data.size(), stdout);
            std::fflush(stdout);
        }
    } catch (const EndOfStream&) {
    }
    co_await tls.aclose();
}

bool parse_port(std::string_view text, int& port) {
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), port);
    return error == std::errc() && end == text.data() + text.size() && port > 0 && port <= 65535;
}

}  // namespace

int main(int argc, char** argv) {
    Args args;
    bool ok = argc >= 3 && parse_port(argv[2], args.port);
    if (ok) args.host = argv[1];
    for (int i = 3; ok && i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--insecure") {
            args.insecure = true;
        } else if ((a == "--cafile" || a == "--alpn") && i + 1 < argc) {
            (a == "--cafile" ? args.cafile : args.alpn) = argv[++i];
        } else {
            ok = false;
        }
    }
    if (!ok) {
        std::fprintf(stderr, "usage: tls_client HOST PORT [--cafile F] [--alpn P] [--insecure]\n");
        return 2;
    }
    std::string input{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
    try {
        run(client, args, std::move(input));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tls_client: %s\n", e.what());
        return 1;
    }
    return 0;
}
