// `coronet bench` against `coronet listen --echo`: the JSON report has sane
// numbers and no errors; --svg writes a chart; the text report and the
// plain progress lines (stderr is not a terminal here) appear.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>

#include "cli_process.hpp"

namespace coronet::tools_test {
namespace {

double json_number(const std::string& json, const std::string& key) {
    const auto at = json.find("\"" + key + "\":");
    if (at == std::string::npos) {
        ADD_FAILURE() << "no " << key << " in " << json;
        return -1;
    }
    return std::strtod(json.c_str() + at + key.size() + 3, nullptr);
}

TEST(CliBench, JsonAgainstListenEcho) {
    ScratchDir dir;
    Child echo(dir, {"listen", "tcp://127.0.0.1:0", "--echo", "--keep-open"});
    const int port = echo.listening_port();
    ASSERT_GT(port, 0) << echo.err();
    const std::string svg = dir.path("latency.svg");
    RunResult bench =
        run_cli(dir, {"bench", "tcp://127.0.0.1:" + std::to_string(port), "-c", "4", "-s", "1k",
                      "-p", "4", "-d", "1s", "--warmup", "200ms", "--json", "--svg", svg});
    EXPECT_EQ(bench.code, 0) << bench.err;
    const std::string& json = bench.out;
    ASSERT_TRUE(json.starts_with("{") && json.ends_with("}\n")) << json;
    EXPECT_EQ(json_number(json, "errors"), 0);
    EXPECT_EQ(json_number(json, "connections"), 4);
    EXPECT_EQ(json_number(json, "size"), 1024);
    EXPECT_EQ(json_number(json, "pipeline"), 4);
    const double requests = json_number(json, "requests");
    EXPECT_GT(requests, 0);
    EXPECT_GT(json_number(json, "requests_per_second"), 0);
    EXPECT_EQ(json_number(json, "bytes"), requests * 1024);
    EXPECT_GT(json_number(json, "megabytes_per_second"), 0);
    const double p50 = json_number(json, "p50"), p90 = json_number(json, "p90"),
                 p99 = json_number(json, "p99"), p999 = json_number(json, "p99_9"),
                 max = json_number(json, "max"), min = json_number(json, "min");
    EXPECT_GT(min, 0);
    EXPECT_LE(min, p50);
    EXPECT_LE(p50, p90);
    EXPECT_LE(p90, p99);
    EXPECT_LE(p99, p999);
    EXPECT_LE(p999, max);

    const std::string chart = read_file(svg);
    EXPECT_TRUE(chart.starts_with("<svg")) << chart.substr(0, 100);
    EXPECT_NE(chart.find("<polyline"), std::string::npos);
    EXPECT_NE(chart.find("99.9%"), std::string::npos);
    EXPECT_TRUE(chart.ends_with("</svg>\n"));

    echo.send_signal(SIGINT);
    EXPECT_EQ(echo.wait(), 130);
    // The bench ends its connections politely: the server saw no resets.
    EXPECT_EQ(echo.err().find("error"), std::string::npos) << echo.err();
    EXPECT_EQ(echo.err().find("failed"), std::string::npos) << echo.err();
}

TEST(CliBench, TextReportAndProgressOverUnix) {
    ScratchDir dir;
    const std::string path = dir.path("echo.sock");
    Child echo(dir, {"listen", "-v", "unix:" + path, "--echo", "--keep-open"});
    ASSERT_TRUE(echo.wait_for_err("listening on")) << echo.err();
    RunResult bench =
        run_cli(dir, {"bench", "unix:" + path, "-c", "2", "-d", "1500ms", "--warmup", "0"});
    EXPECT_EQ(bench.code, 0) << bench.err;
    EXPECT_NE(bench.out.find("req/s"), std::string::npos) << bench.out;
    EXPECT_NE(bench.out.find("p99.9"), std::string::npos) << bench.out;
    EXPECT_NE(bench.out.find("errors               0"), std::string::npos) << bench.out;
    // Not a terminal: plain progress lines, no carriage returns.
    EXPECT_NE(bench.err.find("req/s"), std::string::npos) << bench.err;
    EXPECT_EQ(bench.err.find('\r'), std::string::npos);
    echo.send_signal(SIGINT);
    EXPECT_EQ(echo.wait(), 130);
}

// Ctrl-C stops the measurement early and still prints the report.
TEST(CliBench, SigintStillReports) {
    ScratchDir dir;
    Child echo(dir, {"listen", "tcp://127.0.0.1:0", "--echo", "--keep-open"});
    const int port = echo.listening_port();
    ASSERT_GT(port, 0) << echo.err();
    Child bench(dir, {"bench", "tcp://127.0.0.1:" + std::to_string(port), "-c", "2", "-d", "1h",
                      "--warmup", "0", "--json"});
    ASSERT_TRUE(bench.wait_for_err("req/s")) << bench.err();
    bench.send_signal(SIGINT);
    EXPECT_EQ(bench.wait(), 130);
    EXPECT_NE(bench.out().find("\"errors\":0"), std::string::npos) << bench.out();
    echo.send_signal(SIGINT);
    EXPECT_EQ(echo.wait(), 130);
}

// An echo server that answers wrong bytes is caught.
TEST(CliBench, WrongEchoIsAnError) {
    ScratchDir dir;
    const std::string path = dir.path("liar.sock");
    // A server that answers each message with as many 'x' bytes.
    Child liar(dir,
               {"-c",
                "import socket, sys\n"
                "s = socket.socket(socket.AF_UNIX)\n"
                "s.bind(sys.argv[1])\n"
                "s.listen()\n"
                "print('ready', flush=True)\n"
                "c, _ = s.accept()\n"
                "d = c.recv(65536)\n"
                "c.sendall(b'x' * len(d))\n"
                "c.recv(65536)\n",
                path},
               {}, "python3");
    ASSERT_TRUE(liar.wait_for_out("ready")) << liar.err();
    RunResult bench =
        run_cli(dir, {"bench", "unix:" + path, "-c", "1", "-d", "500ms", "--warmup", "0"});
    EXPECT_EQ(bench.code, 1) << bench.out << bench.err;
    EXPECT_NE((bench.out + bench.err).find("differ"), std::string::npos) << bench.out << bench.err;
    EXPECT_EQ(liar.wait(), 0) << liar.err();
}

}  // namespace
}  // namespace coronet::tools_test
