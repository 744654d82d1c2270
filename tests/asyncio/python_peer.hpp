// A python3 child process running a script (the interop tests' peer), and
// the pieces the plain and TLS interop tests share: a Python asyncio server
// that upper-cases what it receives (TLS when given a certificate) started
// and waited for, and the same protocol on our side.
#pragma once

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <coronet/coronet.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "asyncio/asyncio_test_support.hpp"

extern char** environ;

namespace asyncio_test {

using namespace std::chrono_literals;

constexpr const char* kPython = "/usr/bin/python3";

class PythonPeer {
  public:
    PythonPeer(const std::string& script, const std::vector<std::string>& args) {
        std::vector<std::string> strings{"python3", "-c", script};
        strings.insert(strings.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& a : strings)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        if (::posix_spawn(&pid_, kPython, nullptr, nullptr, argv.data(), environ) != 0) {
            throw std::runtime_error("cannot start python3");
        }
    }
    ~PythonPeer() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    // Waits (without blocking the loop; bounded) for the exit status.
    coronet::Task<int> wait() {
        for (int i = 0; i < 60000; ++i) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                co_return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            co_await coronet::sleep(1ms);
        }
        co_return -1;
    }

  private:
    pid_t pid_ = -1;
};

// argv: PORT_FILE [CERT KEY]. Listens on 127.0.0.1 (with TLS when given a
// certificate), writes its port to PORT_FILE (renamed into place, so a reader
// never sees half a number) and stays up until killed.
inline constexpr const char* kPythonUpperServer = R"(
import asyncio, os, ssl, sys
class Upper(asyncio.Protocol):
    def connection_made(self, t):
        self.t = t
    def data_received(self, data):
        self.t.write(data.upper())
    def eof_received(self):
        self.t.close()
async def main():
    ctx = None
    if len(sys.argv) > 2:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[2], sys.argv[3])
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Upper, "127.0.0.1", 0, ssl=ctx)
    port = server.sockets[0].getsockname()[1]
    tmp = sys.argv[1] + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(port))
    os.rename(tmp, sys.argv[1])
    await asyncio.sleep(20)  # killed by the test when it is done
asyncio.run(main())
)";

// kPythonUpperServer as a child; `cert_and_key` empty for plain TCP.
class PythonUpperServer {
  public:
    explicit PythonUpperServer(const std::vector<std::string>& cert_and_key = {})
        : port_file_(fresh_port_file()), peer_(kPythonUpperServer, arguments(cert_and_key)) {}
    PythonUpperServer(const PythonUpperServer&) = delete;
    PythonUpperServer& operator=(const PythonUpperServer&) = delete;
    ~PythonUpperServer() {
        std::error_code ignored;
        std::filesystem::remove(port_file_, ignored);
    }

    // The port, once the server listens (bounded wait); 0 if it never does.
    coronet::Task<int> port() {
        co_await wait_until([&] { return std::filesystem::exists(port_file_); }, "python's port");
        int port = 0;
        std::ifstream(port_file_) >> port;
        co_return port;
    }

  private:
    static std::filesystem::path fresh_port_file() {
        static int made = 0;
        auto file = std::filesystem::temp_directory_path() /
                    ("coronet-aio-py-" + std::to_string(::getpid()) + "-" + std::to_string(++made));
        std::filesystem::remove(file);
        return file;
    }
    std::vector<std::string> arguments(const std::vector<std::string>& cert_and_key) const {
        std::vector<std::string> args{port_file_.string()};
        args.insert(args.end(), cert_and_key.begin(), cert_and_key.end());
        return args;
    }

    std::filesystem::path port_file_;
    PythonPeer peer_;
};

// Our side of the same protocol: upper-cases what it receives.
struct UpperProtocol : coronet::asyncio::Protocol {
    coronet::asyncio::Transport* t = nullptr;
    void connection_made(coronet::asyncio::BaseTransport& tr) override {
        t = &dynamic_cast<coronet::asyncio::Transport&>(tr);
    }
    void data_received(coronet::BytesView d) override {
        std::string s(d.str());
        for (char& c : s)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        t->write(s);
    }
};

}  // namespace asyncio_test
