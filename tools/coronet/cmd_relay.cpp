// coronet relay FROM TO: like socat. Accepts on FROM; for each connection
// connects to TO and copies both ways, each direction ending with a
// half-close, each send awaited before the next receive (back-pressure).
#include <cstdio>
#include <memory>

#include "cli_error.hpp"
#include "command.hpp"
#include "endpoints.hpp"
#include "pump.hpp"
#include "serve_limit.hpp"
#include "tls_options.hpp"

namespace coronet::cli {

namespace {

struct RelayOptions {
    std::string from;
    std::string to;
    std::uint64_t max_conns = 0;
    bool verbose = false;
    TlsOptions tls;  // client options for TO, --cert/--key for FROM
};

Task<void> relay_connection(StreamPtr client, const Url& to, const TlsClient& tls) {
    StreamPtr upstream;
    std::exception_ptr failure;
    try {
        upstream = co_await connect_stream(to, tls);
    } catch (...) {
        failure = std::current_exception();
    }
    if (failure) {
        co_await client->aclose();
        std::rethrow_exception(failure);
    }
    co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
        tg.spawn([&]() -> Task<void> { co_await copy_stream(*client, *upstream); });
        co_await copy_stream(*upstream, *client);
    });
    co_await upstream->aclose();
    co_await client->aclose();
}

Task<int> run_relay(const RelayOptions& options) {
    const Url from = parse_url(options.from);
    const Url to = parse_url(options.to);
    for (const Url* url : {&from, &to}) {
        if (!url->is_stream()) {
            throw UsageError("relay copies byte streams; " + url->text +
                             " is a datagram URL (use tcp://, tls:// or unix:)");
        }
    }
    require_connectable(to);
    options.tls.check_server_applies_to(from);
    options.tls.check_client_applies_to(to);
    TlsClient tls;
    if (to.scheme == Scheme::tls) tls = options.tls.client();
    std::unique_ptr<StreamServer> server =
        co_await StreamServer::open(from, options.tls.server_context(from));
    if (options.verbose || (from.is_ip() && from.port == 0)) {
        std::fprintf(stderr, "coronet relay: listening on %s, relaying to %s\n",
                     server->address().c_str(), to.text.c_str());
        std::fflush(stderr);
    }
    StreamHandler handler = [&to, &tls](StreamPtr client) -> Task<void> {
        co_await relay_connection(std::move(client), to, tls);
    };
    ServeResult result{};
    std::exception_ptr failure;
    try {
        result = co_await serve_limited(*server, options.max_conns, "relay", std::move(handler));
    } catch (...) {
        failure = std::current_exception();
    }
    CancelScope shielded(kNoDeadline, /*shield=*/true);  // also after Ctrl-C
    co_await shielded.run(server->aclose());
    if (failure) std::rethrow_exception(failure);
    co_return result.failed == 0 ? kExitOk : kExitPeerError;
}

}  // namespace

Command add_relay(CLI::App& root) {
    auto options = std::make_shared<RelayOptions>();
    CLI::App* app = root.add_subcommand(
        "relay", "Accept on FROM, connect to TO per connection, copy both ways (like socat)");
    app->add_option("FROM", options->from, "where to listen: tcp://HOST:PORT, unix:PATH, tls://...")
        ->required();
    app->add_option("TO", options->to, "where to connect: tcp://HOST:PORT, unix:PATH, tls://...")
        ->required();
    app->add_option("--max-conns", options->max_conns,
                    "exit after relaying N connections (default: until Ctrl-C)")
        ->check(CLI::PositiveNumber);
    app->add_flag("--verbose,-v", options->verbose, "print the addresses to stderr");
    options->tls.add_server_options(*app);
    options->tls.add_client_options(*app);
    app->footer(R"(Examples:
  coronet relay tcp://127.0.0.1:8081 tcp://127.0.0.1:8080   a TCP port forwarder
  coronet relay unix:/tmp/app.sock tcp://127.0.0.1:5432      a TCP service on a UNIX socket
  coronet relay tls://:8443 tcp://127.0.0.1:8080 --cert server.pem --key server.key
                                                             TLS termination
  coronet relay tcp://127.0.0.1:8080 tls://example.com:443   TLS origination
--cert/--key are for a tls:// FROM; --cafile, --insecure, --alpn, --sni for a tls:// TO.
Every connection is relayed until Ctrl-C or --max-conns; a failed connection is
reported on stderr and the others go on (exit code 1 at the end).)");
    return {app,
            [options] { return run_in_loop("relay", [options] { return run_relay(*options); }); }};
}

}  // namespace coronet::cli
