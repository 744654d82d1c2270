// coronet demo: the library at work in about ten seconds, with nothing to
// set up. An in-process echo server on a free loopback port and a short
// bench against it, then the reference's exchanges (TCP, UNIX, passing a
// file descriptor, UDP, UNIX datagrams), each checked. Exit code 0 only if
// every step passed.
#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "bench.hpp"
#include "cli_error.hpp"
#include "command.hpp"
#include "report.hpp"
#include "services.hpp"

namespace coronet::cli {

namespace {

using namespace std::chrono_literals;

struct DemoOptions {
    std::string duration = "4s";
};

// A private scratch directory for the UNIX sockets and the file to pass.
class ScratchDir {
  public:
    ScratchDir() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "coronet-demo-XXXXXX").string();
        if (!::mkdtemp(pattern.data())) throw_os_error(errno, "mkdtemp", pattern);
        path_ = pattern;
    }
    ~ScratchDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    std::string file(const char* name) const { return (path_ / name).string(); }

  private:
    std::filesystem::path path_;
};

std::string shown(BytesView data) {
    std::string text(data.str());
    if (text.ends_with("\n")) text.pop_back();
    return "\"" + text + "\"";
}

void expect(BytesView got, std::string_view wanted) {
    if (got.str() != wanted) {
        throw std::runtime_error("got " + shown(got) + ", expected " + shown(BytesView(wanted)));
    }
}

// A stream exchange against a listener serving `handler`: the client part
// runs while the listener serves, then the listener is closed.
template <class ListenerT, class Client>
Task<std::string> with_server(ListenerT& listener, typename ListenerT::Handler handler,
                              Client client) {
    std::string result;
    co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
        tg.spawn([&]() -> Task<void> { co_await listener.serve(handler); });
        result = co_await client();
        tg.cancel_scope().cancel();
    });
    co_await listener.aclose();
    co_return result;
}

Task<std::string> tcp_exchange() {
    auto listener = co_await create_tcp_listener({.local_host = "127.0.0.1"});
    const int port = listener.extra<attr::local_port>();
    MultiListener<SocketStream>::Handler hello = [](SocketStream s) -> Task<void> {
        co_await serve_hello(s);
    };
    auto client = [port]() -> Task<std::string> {
        SocketStream stream = co_await connect_tcp("127.0.0.1", port);
        co_await stream.send("coronet");
        Bytes reply = co_await stream.receive(1024);
        co_await stream.aclose();
        expect(reply, "Hello, coronet\n");
        co_return shown(reply) + " from 127.0.0.1:" + std::to_string(port);
    };
    co_return co_await with_server(listener, hello, client);
}

Task<std::string> unix_exchange(const ScratchDir& dir) {
    const std::string path = dir.file("hello.sock");
    auto listener = co_await create_unix_listener(path);
    UNIXListener::Handler hello = [](UNIXSocketStream s) -> Task<void> { co_await serve_hello(s); };
    auto client = [&path]() -> Task<std::string> {
        UNIXSocketStream stream = co_await connect_unix(path);
        co_await stream.send("coronet");
        Bytes reply = co_await stream.receive(1024);
        co_await stream.aclose();
        expect(reply, "Hello, coronet\n");
        co_return shown(reply) + " from " + path;
    };
    co_return co_await with_server(listener, hello, client);
}

Task<std::string> fd_passing_exchange(const ScratchDir& dir) {
    const std::string path = dir.file("fds.sock");
    const std::string file = dir.file("examplefile");
    {
        net::FileDescriptor out(
            ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
        if (!out.valid() || ::write(out.get(), "Test file", 9) != 9)
            throw_os_error(errno, "write", file);
    }
    auto listener = co_await create_unix_listener(path);
    UNIXListener::Handler send_file = [file](UNIXSocketStream s) -> Task<void> {
        net::FileDescriptor fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd.valid()) throw_os_error(errno, "open", file);
        co_await s.send_fds("this message is ignored", std::array{fd.get()});
        co_await s.aclose();
    };
    auto client = [&path]() -> Task<std::string> {
        UNIXSocketStream stream = co_await connect_unix(path);
        ReceivedFds received = co_await stream.receive_fds(64, 1);
        co_await stream.aclose();
        if (received.fds.size() != 1) throw std::runtime_error("no descriptor arrived");
        char text[64] = {};
        const ssize_t n = ::pread(received.fds[0].get(), text, sizeof text - 1, 0);
        if (n < 0) throw_os_error(errno, "read", "the passed descriptor");
        expect(BytesView(std::string_view(text, static_cast<std::size_t>(n))), "Test file");
        co_return "read \"" + std::string(text) + "\" through the received descriptor";
    };
    co_return co_await with_server(listener, send_file, client);
}

Task<std::string> udp_exchange() {
    UDPSocket server = co_await create_udp_socket({.local_host = "127.0.0.1"});
    const int port = server.local_port();
    std::string result;
    co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
        tg.spawn([&]() -> Task<void> {
            UDPPacket packet = co_await server.receive();
            co_await server.sendto(hello_reply(packet.data), packet.host, packet.port);
        });
        ConnectedUDPSocket client =
            co_await create_connected_udp_socket({.remote_host = "127.0.0.1", .remote_port = port});
        co_await client.send("coronet");
        Bytes reply = co_await client.receive();
        co_await client.aclose();
        expect(reply, "Hello, coronet\n");
        result = shown(reply) + " from 127.0.0.1:" + std::to_string(port);
    });
    co_await server.aclose();
    co_return result;
}

Task<std::string> unix_datagram_exchange(const ScratchDir& dir) {
    const std::string server_path = dir.file("hello.dgram");
    const std::string client_path = dir.file("client.dgram");
    UNIXDatagramSocket server = co_await create_unix_datagram_socket({.local_path = server_path});
    std::string result;
    co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
        tg.spawn([&]() -> Task<void> {
            UNIXDatagramPacket packet = co_await server.receive();
            co_await server.sendto(hello_reply(packet.data), packet.path);
        });
        ConnectedUNIXDatagramSocket client = co_await create_connected_unix_datagram_socket(
            {.remote_path = server_path, .local_path = client_path});
        co_await client.send("coronet");
        Bytes reply = co_await client.receive();
        co_await client.aclose();
        expect(reply, "Hello, coronet\n");
        result = shown(reply) + " from " + server_path;
    });
    co_await server.aclose();
    co_return result;
}

Task<bool> step(const char* name, Task<std::string> exchange) {
    std::printf("  %-22s ", name);
    std::fflush(stdout);
    try {
        std::optional<std::string> detail = co_await move_on_after(5s, std::move(exchange));
        if (!detail) throw TimeoutError("no answer within 5 s");
        std::printf("ok    %s\n", detail->c_str());
        std::fflush(stdout);
        co_return true;
    } catch (const std::exception& e) {
        std::printf("FAIL  %s\n", e.what());
        std::fflush(stdout);
        co_return false;
    }
}

Task<bool> bench_step(double seconds) {
    auto listener = co_await create_tcp_listener({.local_host = "127.0.0.1"});
    const int port = listener.extra<attr::local_port>();
    BenchOptions options;
    options.url = parse_url("tcp://127.0.0.1:" + std::to_string(port));
    options.connections = 8;
    options.size = 64;
    options.pipeline = 4;
    options.warmup = 0.5;
    options.duration = seconds;
    std::printf(
        "1. An echo server on 127.0.0.1:%d and a %.0f s bench against it\n"
        "   (8 connections, 64-byte messages, 4 in flight each; every byte checked):\n",
        port, seconds);
    std::fflush(stdout);
    BenchStats stats;
    MultiListener<SocketStream>::Handler echo = [](SocketStream s) -> Task<void> {
        co_await serve_echo(s);
    };
    ProgressPrinter printer(stdout, "   ");
    BenchProgress progress = [&printer](const BenchStats& s) { printer.update(s); };
    co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
        tg.spawn([&]() -> Task<void> { co_await listener.serve(echo); });
        stats = co_await run_bench(options, progress, 0.5);
        tg.cancel_scope().cancel();
    });
    printer.finish();
    co_await listener.aclose();
    const std::string summary = summary_text(options, stats, "  ");
    std::fputs(summary.c_str() + summary.find('\n') + 1, stdout);  // the first line said it
    const bool ok = stats.errors == 0 && stats.requests > 0;
    std::printf("   %s\n\n", ok ? "ok" : "FAIL");
    std::fflush(stdout);
    co_return ok;
}

Task<int> run_demo(const DemoOptions& options) {
    const double seconds = parse_seconds(options.duration, "--duration");
    if (seconds <= 0) throw UsageError("--duration must be above 0");
    std::printf("coronet demo (backend: %s)\n\n", backend_name().c_str());
    int failed = 0;
    if (!co_await bench_step(seconds)) ++failed;

    std::printf("2. The reference's exchanges (a \"Hello, NAME\" service each):\n");
    ScratchDir dir;
    if (!co_await step("TCP stream", tcp_exchange())) ++failed;
    if (!co_await step("UNIX stream", unix_exchange(dir))) ++failed;
    if (!co_await step("passing a descriptor", fd_passing_exchange(dir))) ++failed;
    if (!co_await step("UDP", udp_exchange())) ++failed;
    if (!co_await step("UNIX datagram", unix_datagram_exchange(dir))) ++failed;
    std::printf("\n%s\n", failed == 0 ? "all 6 steps passed"
                                      : (std::to_string(failed) + " of 6 steps FAILED").c_str());
    std::fflush(stdout);
    co_return failed == 0 ? kExitOk : kExitPeerError;
}

}  // namespace

Command add_demo(CLI::App& root) {
    auto options = std::make_shared<DemoOptions>();
    CLI::App* app = root.add_subcommand(
        "demo",
        "A ten-second tour: an in-process echo server and bench, then TCP, UNIX, "
        "fd-passing, UDP and UNIX-datagram exchanges");
    app->add_option("--duration", options->duration,
                    "how long the bench step measures (default 4s)");
    app->footer(R"(Example:
  coronet demo          exit code 0 only if every step passed)");
    return {app,
            [options] { return run_in_loop("demo", [options] { return run_demo(*options); }); }};
}

}  // namespace coronet::cli
