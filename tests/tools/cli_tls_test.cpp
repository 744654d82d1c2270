// tls:// in the tool: connect and listen against each other (trusting the
// test CA with --cafile, or --insecure), verification failures as one line
// and exit code 1 (the listener survives them), a wrong host name and
// --sni, relay terminating and originating TLS with a checksummed
// transfer, bench against a tls:// echo listener. The certificates are
// made at run time (tests/support/test_certs.hpp).
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <random>

#include "cli_process.hpp"
#include "support/test_certs.hpp"

namespace coronet::tools_test {
namespace {

using tls_test::CertFiles;
using tls_test::certs;

std::vector<std::string> tls_listener(const CertFiles& files, std::vector<std::string> extra) {
    std::vector<std::string> args = {"listen", "tls://127.0.0.1:0", "--cert", files.cert, "--key",
                                     files.key};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

std::uint64_t fnv1a(const std::string& data) {
    std::uint64_t hash = 14695981039346656037ull;
    for (const char c : data) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 1099511628211ull;
    }
    return hash;
}

void expect_one_line(const RunResult& run) {
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
}

TEST(CliTls, ConnectAndListenWithCafile) {
    ScratchDir dir;
    write_file(dir.path("to-connect"), "from the listener\n");
    write_file(dir.path("to-listen"), "from the connector\n");
    Child listener(dir, tls_listener(certs().server, {}), {.stdin_file = dir.path("to-connect")});
    const int port = listener.listening_port();
    ASSERT_GT(port, 0) << listener.err();
    EXPECT_NE(listener.err().find("listening on tls://127.0.0.1:"), std::string::npos);
    RunResult client =
        run_cli(dir, {"connect", "tls://localhost:" + std::to_string(port), "--cafile", certs().ca},
                dir.path("to-listen"));
    EXPECT_EQ(client.code, 0) << client.err;
    EXPECT_EQ(client.out, "from the listener\n");
    EXPECT_EQ(listener.wait(), 0) << listener.err();
    EXPECT_EQ(listener.out(), "from the connector\n");
}

// The IP address in the URL is checked against the certificate's IP SANs.
TEST(CliTls, EchoOverAnIpAddressWithAlpnOffered) {
    ScratchDir dir;
    write_file(dir.path("in"), "echo me\n");
    Child listener(dir, tls_listener(certs().server, {"--echo", "--max-conns", "1"}));
    const int port = listener.listening_port();
    ASSERT_GT(port, 0) << listener.err();
    RunResult client = run_cli(dir,
                               {"connect", "tls://127.0.0.1:" + std::to_string(port), "--cafile",
                                certs().ca, "--alpn", "h2,http/1.1"},
                               dir.path("in"));
    EXPECT_EQ(client.code, 0) << client.err;
    EXPECT_EQ(client.out, "echo me\n");
    EXPECT_EQ(listener.wait(), 0) << listener.err();
}

// Failed verifications: one line naming the reason, exit code 1. The
// listener reports each failed handshake, does not count it, and then
// serves a client that skips verification with --insecure.
TEST(CliTls, VerificationFailuresAreOneLineAndExitCodeOne) {
    ScratchDir dir;
    write_file(dir.path("in"), "insecure but fine\n");
    Child listener(dir, tls_listener(certs().untrusted, {"--echo", "--max-conns", "1"}));
    const int port = listener.listening_port();
    ASSERT_GT(port, 0) << listener.err();
    const std::string url = "tls://localhost:" + std::to_string(port);

    RunResult with_ca = run_cli(dir, {"connect", url, "--cafile", certs().ca}, dir.path("in"));
    EXPECT_EQ(with_ca.code, 1) << with_ca.err;
    EXPECT_TRUE(with_ca.err.starts_with("coronet connect: certificate verify failed: "))
        << with_ca.err;
    EXPECT_NE(with_ca.err.find("unable to get local issuer certificate"), std::string::npos)
        << with_ca.err;
    expect_one_line(with_ca);
    EXPECT_EQ(with_ca.out, "");

    // Verification is on by default (the system's CAs know no test CA).
    RunResult system_cas = run_cli(dir, {"connect", url}, dir.path("in"));
    EXPECT_EQ(system_cas.code, 1) << system_cas.err;
    EXPECT_NE(system_cas.err.find("certificate verify failed"), std::string::npos)
        << system_cas.err;
    expect_one_line(system_cas);

    RunResult insecure = run_cli(dir, {"connect", url, "--insecure"}, dir.path("in"));
    EXPECT_EQ(insecure.code, 0) << insecure.err;
    EXPECT_EQ(insecure.out, "insecure but fine\n");
    EXPECT_EQ(listener.wait(), 0) << listener.err();
    EXPECT_NE(listener.err().find("TLS handshake failed"), std::string::npos) << listener.err();
}

TEST(CliTls, ExpiredCertificate) {
    ScratchDir dir;
    Child listener(dir, tls_listener(certs().expired, {"--echo", "-k"}));
    const int port = listener.listening_port();
    ASSERT_GT(port, 0) << listener.err();
    RunResult client = run_cli(
        dir, {"connect", "tls://localhost:" + std::to_string(port), "--cafile", certs().ca});
    EXPECT_EQ(client.code, 1) << client.err;
    EXPECT_NE(client.err.find("certificate has expired"), std::string::npos) << client.err;
    expect_one_line(client);
    listener.send_signal(SIGINT);
    EXPECT_EQ(listener.wait(), 130) << listener.err();
}

// A certificate for another name: a hostname mismatch, unless --sni asks
// for that name (it is sent and checked instead of the URL's host).
TEST(CliTls, WrongHostnameAndSni) {
    ScratchDir dir;
    write_file(dir.path("in"), "hello wrong.example\n");
    Child listener(dir, tls_listener(certs().wrong_host, {"--echo", "-k"}));
    const int port = listener.listening_port();
    ASSERT_GT(port, 0) << listener.err();
    const std::string url = "tls://localhost:" + std::to_string(port);
    RunResult mismatch = run_cli(dir, {"connect", url, "--cafile", certs().ca}, dir.path("in"));
    EXPECT_EQ(mismatch.code, 1) << mismatch.err;
    EXPECT_NE(mismatch.err.find("hostname mismatch"), std::string::npos) << mismatch.err;
    EXPECT_NE(mismatch.err.find("'localhost'"), std::string::npos) << mismatch.err;
    expect_one_line(mismatch);

    RunResult sni = run_cli(dir, {"connect", url, "--cafile", certs().ca, "--sni", "wrong.example"},
                            dir.path("in"));
    EXPECT_EQ(sni.code, 0) << sni.err;
    EXPECT_EQ(sni.out, "hello wrong.example\n");
    listener.send_signal(SIGINT);
    EXPECT_EQ(listener.wait(), 130) << listener.err();
}

// connect (TCP) -> relay originating TLS -> relay terminating TLS -> an
// echo listener (TCP), and all the way back, checksummed.
TEST(CliTls, RelayTerminatesAndOriginatesTls) {
    ScratchDir dir;
    const std::size_t size = scaled(16u << 20);
    std::string data(size, '\0');
    std::mt19937_64 random(7);
    for (char& c : data)
        c = static_cast<char>(random());
    write_file(dir.path("big"), data);

    Child echo(dir, {"listen", "tcp://127.0.0.1:0", "--echo", "--keep-open"});
    const int echo_port = echo.listening_port();
    ASSERT_GT(echo_port, 0) << echo.err();
    Child terminator(
        dir, {"relay", "tls://127.0.0.1:0", "tcp://127.0.0.1:" + std::to_string(echo_port),
              "--cert", certs().server.cert, "--key", certs().server.key, "--max-conns", "1"});
    const int tls_port = terminator.listening_port();
    ASSERT_GT(tls_port, 0) << terminator.err();
    Child originator(dir,
                     {"relay", "tcp://127.0.0.1:0", "tls://localhost:" + std::to_string(tls_port),
                      "--cafile", certs().ca, "--max-conns", "1"});
    const int plain_port = originator.listening_port();
    ASSERT_GT(plain_port, 0) << originator.err();

    RunResult client =
        run_cli(dir, {"connect", "tcp://127.0.0.1:" + std::to_string(plain_port)}, dir.path("big"));
    EXPECT_EQ(client.code, 0) << client.err;
    EXPECT_EQ(client.out.size(), data.size());
    EXPECT_EQ(fnv1a(client.out), fnv1a(data)) << "the echoed bytes differ from the bytes sent";
    EXPECT_EQ(originator.wait(), 0) << originator.err();
    EXPECT_EQ(terminator.wait(), 0) << terminator.err();
    echo.send_signal(SIGINT);
    EXPECT_EQ(echo.wait(), 130) << echo.err();
    EXPECT_EQ(echo.err().find("error"), std::string::npos) << echo.err();
}

TEST(CliTls, BenchAgainstATlsEchoListener) {
    ScratchDir dir;
    Child echo(dir, tls_listener(certs().server, {"--echo", "--keep-open"}));
    const int port = echo.listening_port();
    ASSERT_GT(port, 0) << echo.err();
    RunResult bench =
        run_cli(dir, {"bench", "tls://localhost:" + std::to_string(port), "--cafile", certs().ca,
                      "-c", "4", "-s", "1k", "-d", "1s", "--warmup", "200ms", "--json"});
    EXPECT_EQ(bench.code, 0) << bench.err;
    EXPECT_NE(bench.out.find("\"errors\":0,"), std::string::npos) << bench.out;
    const auto at = bench.out.find("\"requests\":");
    ASSERT_NE(at, std::string::npos) << bench.out;
    EXPECT_GT(std::strtod(bench.out.c_str() + at + 11, nullptr), 0) << bench.out;
    echo.send_signal(SIGINT);
    EXPECT_EQ(echo.wait(), 130) << echo.err();
    EXPECT_EQ(echo.err().find("failed"), std::string::npos) << echo.err();
}

}  // namespace
}  // namespace coronet::tools_test
