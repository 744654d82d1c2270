// coronet connect URL: like nc. Streams: stdin to the peer, the peer to
// stdout, stdin's end half-closes, done when both directions are.
// Datagrams: each read from stdin is one datagram; replies go to stdout
// until stdin has ended and nothing arrived for --wait seconds.
#include <chrono>
#include <memory>

#include "cli_error.hpp"
#include "command.hpp"
#include "endpoints.hpp"
#include "pump.hpp"
#include "stdio.hpp"
#include "tls_options.hpp"

namespace coronet::cli {

namespace {

struct ConnectOptions {
    std::string url;
    std::string wait = "1s";
    TlsOptions tls;
};

// The largest UDP payload over IPv4; also plenty for UNIX datagrams.
constexpr std::size_t kMaxDatagram = 65507;

Task<void> datagram_session(DatagramClient& client, double wait_seconds) {
    StdioFile in(0, false);
    StdioFile out(1, true);
    bool input_done = false;
    const auto wait =
        std::chrono::duration_cast<Duration>(std::chrono::duration<double>(wait_seconds));
    co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
        tg.spawn([&]() -> Task<void> {
            while (auto chunk = co_await in.read(kMaxDatagram))
                co_await client.send(*chunk);
            input_done = true;
        });
        for (;;) {
            std::optional<Bytes> reply = co_await move_on_after(wait, client.receive());
            if (reply) {
                co_await out.write(*reply);
            } else if (input_done) {
                break;
            }
        }
    });
    co_await client.aclose();
}

Task<int> run_connect(const ConnectOptions& options) {
    const Url url = parse_url(options.url);
    options.tls.check_client_applies_to(url);
    const double wait = parse_seconds(options.wait, "--wait");
    if (url.is_stream()) {
        TlsClient tls;
        if (url.scheme == Scheme::tls) tls = options.tls.client();
        StreamPtr stream = co_await connect_stream(url, tls);
        StdioFile in(0, false);
        StdioFile out(1, true);
        co_await stdio_session(in, out, *stream);
    } else {
        std::unique_ptr<DatagramClient> client = co_await DatagramClient::open(url);
        co_await datagram_session(*client, wait);
    }
    co_return kExitOk;
}

}  // namespace

Command add_connect(CLI::App& root) {
    auto options = std::make_shared<ConnectOptions>();
    CLI::App* app = root.add_subcommand(
        "connect", "Connect to URL; stdin to the peer, the peer to stdout (like nc)");
    app->add_option("URL", options->url,
                    "tcp://HOST:PORT, tls://HOST:PORT, unix:PATH, udp://HOST:PORT, unix-dgram:PATH")
        ->required();
    app->add_option("--wait", options->wait,
                    "datagrams: after stdin ends, wait this long for more replies (default 1s)");
    options->tls.add_client_options(*app);
    app->footer(R"(Examples:
  echo hello | coronet connect tcp://127.0.0.1:8080
  coronet connect unix:/run/app.sock < request.bin > reply.bin
  printf 'ping' | coronet connect udp://127.0.0.1:9000 --wait 2s
  coronet connect tls://localhost:8443 --cafile ca.pem --alpn h2,http/1.1
  printf 'GET / HTTP/1.0\r\nHost: example.com\r\n\r\n' | coronet connect tls://example.com:443
Streams: stdin's end half-closes the connection; exits when both directions are done.
tls:// verifies the server's certificate (system CAs, or --cafile) and host name.)");
    return {app, [options] {
                return run_in_loop("connect", [options] { return run_connect(*options); });
            }};
}

}  // namespace coronet::cli
