// coronet listen URL: serve one connection (or many with --keep-open /
// --max-conns) to stdio, as an echo server, as the reference's hello
// service, or to a child process per connection (--exec). For datagram URLs a "connection" is one
// datagram answered; in stdio mode datagrams go to stdout and stdin goes to the latest sender.
#include <cstdio>
#include <memory>

#include "cli_error.hpp"
#include "command.hpp"
#include "endpoints.hpp"
#include "exec_service.hpp"
#include "pump.hpp"
#include "serve_limit.hpp"
#include "services.hpp"
#include "stdio.hpp"
#include "tls_options.hpp"

namespace coronet::cli {

namespace {

struct ListenOptions {
    std::string url;
    bool echo = false;
    bool hello = false;
    std::string exec;
    bool keep_open = false;
    std::uint64_t max_conns = 0;
    bool verbose = false;
    TlsOptions tls;

    // How many connections (or answered datagrams) to serve; 0: no limit.
    std::uint64_t limit() const { return max_conns != 0 ? max_conns : keep_open ? 0 : 1; }
};

void announce(const ListenOptions& options, const Url& url, const std::string& address) {
    // Port 0 asks the kernel for one: the user cannot know it otherwise.
    if (options.verbose || (url.is_ip() && url.port == 0)) {
        std::fprintf(stderr, "coronet listen: listening on %s\n", address.c_str());
        std::fflush(stderr);
    }
}

// Connections are served to stdio one at a time (they share the terminal).
// With --keep-open, a connection ends when its peer has finished sending,
// without waiting for stdin (which may never end); the next one then gets
// stdin. Without it, the one connection behaves exactly like `connect`.
Task<void> forward_stdin(StdioFile& in, ByteStream& stream, bool& input_done) {
    while (!input_done) {
        std::optional<Bytes> chunk = co_await in.read();
        if (!chunk) {
            input_done = true;
            break;
        }
        co_await stream.send(*chunk);
    }
}

Task<void> stdio_connection(StdioFile& in, StdioFile& out, bool& input_done, ByteStream& stream,
                            bool wait_for_stdin) {
    CancelScope reading;
    co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
        tg.spawn([&]() -> Task<void> {
            co_await reading.run(forward_stdin(in, stream, input_done));
            co_await half_close(stream);
        });
        co_await copy_to_stdout(stream, out);
        if (!wait_for_stdin) reading.cancel();
    });
    co_await stream.aclose();
}

Task<int> listen_stream(const ListenOptions& options, const Url& url) {
    std::unique_ptr<StreamServer> server =
        co_await StreamServer::open(url, options.tls.server_context(url));
    announce(options, url, server->address());
    StdioFile in(0, false);
    StdioFile out(1, true);
    bool input_done = false;
    Lock stdio_lock;
    const bool wait_for_stdin = options.limit() == 1;
    StreamHandler handler = [&](StreamPtr stream) -> Task<void> {
        if (options.echo) {
            co_await serve_echo(*stream);
        } else if (options.hello) {
            co_await serve_hello(*stream);
        } else if (!options.exec.empty()) {
            co_await serve_exec(*stream, options.exec);
        } else {
            auto guard = co_await stdio_lock.lock();
            co_await stdio_connection(in, out, input_done, *stream, wait_for_stdin);
        }
    };
    ServeResult result{};
    std::exception_ptr failure;
    try {
        result = co_await serve_limited(*server, options.limit(), "listen", std::move(handler));
    } catch (...) {
        failure = std::current_exception();
    }
    CancelScope shielded(kNoDeadline, /*shield=*/true);  // also after Ctrl-C
    co_await shielded.run(server->aclose());
    if (failure) std::rethrow_exception(failure);
    co_return result.failed == 0 ? kExitOk : kExitPeerError;
}

Task<int> listen_datagram(const ListenOptions& options, const Url& url) {
    std::unique_ptr<DatagramServer> server = co_await DatagramServer::open(url);
    announce(options, url, server->address());
    std::exception_ptr failure;
    try {
        if (options.echo || options.hello) {
            const std::uint64_t limit = options.limit();
            for (std::uint64_t answered = 0; limit == 0 || answered < limit; ++answered) {
                ReceivedDatagram datagram = co_await server->receive();
                if (options.echo) {
                    co_await server->send_to(datagram.data, datagram.from);
                } else {
                    co_await server->send_to(hello_reply(datagram.data), datagram.from);
                }
            }
        } else {
            StdioFile in(0, false);
            StdioFile out(1, true);
            std::optional<DatagramPeer> latest;
            Event have_peer;
            co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
                tg.spawn([&]() -> Task<void> {
                    co_await have_peer.wait();
                    while (auto chunk = co_await in.read(65507)) {
                        co_await server->send_to(*chunk, *latest);
                    }
                });
                for (;;) {
                    ReceivedDatagram datagram = co_await server->receive();
                    co_await out.write(datagram.data);
                    if (!datagram.from.path.empty() || !datagram.from.host.empty()) {
                        latest = datagram.from;
                        have_peer.set();
                    }
                }
            });
        }
    } catch (...) {
        failure = std::current_exception();
    }
    CancelScope shielded(kNoDeadline, /*shield=*/true);  // also after Ctrl-C
    co_await shielded.run(server->aclose());
    if (failure) std::rethrow_exception(failure);
    co_return kExitOk;
}

Task<int> run_listen(const ListenOptions& options) {
    const Url url = parse_url(options.url);
    options.tls.check_applies_to(url);
    if (!options.exec.empty() && !url.is_stream()) {
        throw UsageError("--exec serves byte streams; " + url.text +
                         " is a datagram URL (use tcp://, tls:// or unix:)");
    }
    if (url.is_stream()) co_return co_await listen_stream(options, url);
    co_return co_await listen_datagram(options, url);
}

}  // namespace

Command add_listen(CLI::App& root) {
    auto options = std::make_shared<ListenOptions>();
    CLI::App* app = root.add_subcommand(
        "listen", "Accept on URL and serve to stdio, --echo, --hello or --exec (like nc -l)");
    app->add_option("URL", options->url,
                    "tcp://HOST:PORT (empty HOST: every interface; port 0: any free one), "
                    "unix:PATH, udp://HOST:PORT, unix-dgram:PATH, tls://HOST:PORT")
        ->required();
    auto* echo = app->add_flag("--echo", options->echo, "send back everything received");
    auto* hello = app->add_flag("--hello", options->hello,
                                "answer the first chunk NAME with \"Hello, NAME\\n\"");
    auto* exec = app->add_option("--exec", options->exec,
                                 "run CMD per connection, its stdin/stdout the connection");
    echo->excludes(hello)->excludes(exec);
    hello->excludes(exec);
    app->add_flag("--keep-open,-k", options->keep_open,
                  "keep serving after the first connection (until Ctrl-C)");
    app->add_option("--max-conns", options->max_conns,
                    "exit after serving N connections (datagram services: N datagrams)")
        ->check(CLI::PositiveNumber);
    app->add_flag("--verbose,-v", options->verbose, "print the address listened on to stderr");
    options->tls.add_server_options(*app);
    app->footer(R"(Examples:
  coronet listen tcp://127.0.0.1:8080                 one connection to stdin/stdout
  coronet listen tcp://:7 --echo --keep-open          an echo server on every interface
  coronet listen unix:/tmp/hello.sock --hello -k      the reference's hello service
  coronet listen udp://127.0.0.1:9000 --echo --max-conns 10
  coronet listen tcp://127.0.0.1:2000 --exec 'tr a-z A-Z' -k   a child per connection
  coronet listen tls://:8443 --cert server.pem --key server.key --echo -k
--exec runs CMD with /bin/sh -c, its stdin and stdout the connection, its stderr ours.
With port 0 the chosen address is printed to stderr. Stdio mode serves connections
one at a time; for datagram URLs it prints every datagram and sends stdin to the
latest sender, until Ctrl-C.)");
    return {app, [options] {
                return run_in_loop("listen", [options] { return run_listen(*options); });
            }};
}

}  // namespace coronet::cli
