// subprocess_exec / subprocess_shell: the three pipes, callback order,
// return codes, signals, exec failure, reaping (no zombie), bad input.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <coronet/asyncio/subprocess.hpp>
#include <fstream>

#include "asyncio/asyncio_test_support.hpp"

using namespace asyncio_test;
namespace aio = coronet::asyncio;

namespace {

struct ProcRecord {
    std::vector<std::string> events;
    std::string out, err;
    aio::SubprocessTransport* transport = nullptr;
    bool lost = false;
    bool exited = false;
};

struct ProcRecorder : aio::SubprocessProtocol {
    std::shared_ptr<ProcRecord> rec = std::make_shared<ProcRecord>();
    void connection_made(aio::BaseTransport& t) override {
        rec->transport = &dynamic_cast<aio::SubprocessTransport&>(t);
        rec->events.push_back("made");
    }
    void pipe_data_received(int fd, BytesView d) override {
        const std::string tag = "data" + std::to_string(fd);
        if (std::find(rec->events.begin(), rec->events.end(), tag) == rec->events.end())
            rec->events.push_back(tag);
        (fd == 1 ? rec->out : rec->err).append(d.str());
    }
    void pipe_connection_lost(int fd, std::exception_ptr e) override {
        rec->events.push_back("pipe_lost" + std::to_string(fd) + (e ? ":error" : ""));
    }
    void process_exited() override {
        rec->events.push_back("exited");
        rec->exited = true;
    }
    void connection_lost(std::exception_ptr e) override {
        rec->events.push_back(e ? "lost:error" : "lost:ok");
        rec->lost = true;
    }
};

aio::ProtocolFactory factory_into(std::shared_ptr<ProcRecord>& rec) {
    return [&rec] {
        auto p = std::make_unique<ProcRecorder>();
        rec = p->rec;
        return p;
    };
}

// Whether `pid` is still a process of ours (a zombie counts).
bool process_exists(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    return stat.good();
}

std::size_t position(const std::vector<std::string>& v, const std::string& s) {
    return std::size_t(std::find(v.begin(), v.end(), s) - v.begin());
}

TEST(Subprocess, ThreePipesAndCallbackOrder) {
    coronet::run([]() -> Task<void> {
        std::shared_ptr<ProcRecord> rec;
        auto f = factory_into(rec);
        std::vector<std::string> argv{"sh", "-c", "read x; echo out:$x; echo err:$x >&2; exit 7"};
        aio::SubprocessConnection c = co_await aio::subprocess_exec(f, argv);
        EXPECT_EQ(joined(rec->events), "made");  // before the call returns
        EXPECT_GT(c.transport->get_pid(), 0);
        EXPECT_EQ(c.transport->get_returncode(), std::nullopt);
        auto* in = dynamic_cast<aio::WriteTransport*>(c.transport->get_pipe_transport(0));
        CO_ASSERT(in != nullptr);
        EXPECT_NE(dynamic_cast<aio::ReadTransport*>(c.transport->get_pipe_transport(1)), nullptr);
        EXPECT_NE(dynamic_cast<aio::ReadTransport*>(c.transport->get_pipe_transport(2)), nullptr);
        EXPECT_EQ(c.transport->get_pipe_transport(3), nullptr);
        EXPECT_EQ(std::any_cast<pid_t>(c.transport->get_extra_info("subprocess")),
                  c.transport->get_pid());
        in->write("ping\n");
        co_await wait_until([&] { return rec->lost; }, "connection_lost");
        EXPECT_EQ(rec->out, "out:ping\n");
        EXPECT_EQ(rec->err, "err:ping\n");
        EXPECT_EQ(c.transport->get_returncode(), 7);
        const auto& ev = rec->events;
        EXPECT_EQ(ev.front(), "made");
        EXPECT_EQ(ev.back(), "lost:ok");
        // process_exited after the output pipes' EOF; stdin's lost too.
        EXPECT_LT(position(ev, "data1"), position(ev, "pipe_lost1"));
        EXPECT_LT(position(ev, "data2"), position(ev, "pipe_lost2"));
        EXPECT_LT(position(ev, "pipe_lost1"), position(ev, "exited"));
        EXPECT_LT(position(ev, "pipe_lost2"), position(ev, "exited"));
        EXPECT_LT(position(ev, "pipe_lost0"), ev.size() - 1);
        EXPECT_EQ(ev.size(), 8u) << joined(ev);
        EXPECT_FALSE(process_exists(c.transport->get_pid()));  // reaped: no zombie
        EXPECT_THROW(c.transport->kill(), OSError);            // ProcessLookupError
    });
}

TEST(Subprocess, ShellWithOptions) {
    coronet::run([]() -> Task<void> {
        std::shared_ptr<ProcRecord> rec;
        auto f = factory_into(rec);
        aio::SubprocessOptions o{};
        o.stdin = aio::DEVNULL;
        o.stderr = aio::STDOUT;
        o.cwd = "/";
        const std::pair<std::string_view, std::string_view> env[] = {{"CORONET_X", "42"}};
        o.env = env;
        aio::SubprocessConnection c =
            co_await aio::subprocess_shell(f, "echo $CORONET_X $(pwd); echo e >&2", o);
        EXPECT_EQ(c.transport->get_pipe_transport(0), nullptr);
        EXPECT_EQ(c.transport->get_pipe_transport(2), nullptr);
        co_await wait_until([&] { return rec->lost; });
        EXPECT_EQ(rec->out, "42 /\ne\n");
        EXPECT_EQ(joined(rec->events), "made data1 pipe_lost1 exited lost:ok");
        EXPECT_EQ(c.transport->get_returncode(), 0);
    });
}

TEST(Subprocess, KillAndTerminateGiveNegativeReturnCodes) {
    coronet::run([]() -> Task<void> {
        for (int sig : {SIGKILL, SIGTERM, SIGINT}) {
            std::shared_ptr<ProcRecord> rec;
            auto f = factory_into(rec);
            aio::SubprocessOptions o{};
            o.stdin = aio::DEVNULL;
            std::vector<std::string> argv{"sleep", "30"};
            aio::SubprocessConnection c = co_await aio::subprocess_exec(f, argv, o);
            if (sig == SIGKILL) c.transport->kill();
            if (sig == SIGTERM) c.transport->terminate();
            if (sig == SIGINT) c.transport->send_signal(SIGINT);
            co_await wait_until([&] { return rec->lost; });
            EXPECT_EQ(c.transport->get_returncode(), -sig);
            // stdout's and stderr's EOF come in either order, both before process_exited.
            const auto& ev = rec->events;
            EXPECT_EQ(ev.size(), 5u) << joined(ev);
            EXPECT_LT(position(ev, "pipe_lost1"), position(ev, "exited"));
            EXPECT_LT(position(ev, "pipe_lost2"), position(ev, "exited"));
            EXPECT_EQ(position(ev, "exited"), 3u) << joined(ev);
            EXPECT_FALSE(process_exists(c.transport->get_pid()));
        }
    });
}

TEST(Subprocess, CloseKillsARunningChildAndReapsIt) {
    coronet::run([]() -> Task<void> {
        std::shared_ptr<ProcRecord> rec;
        auto f = factory_into(rec);
        std::vector<std::string> argv{"sleep", "30"};
        aio::SubprocessConnection c = co_await aio::subprocess_exec(f, argv);
        const pid_t pid = c.transport->get_pid();
        c.transport->close();
        EXPECT_TRUE(c.transport->is_closing());
        co_await wait_until([&] { return rec->lost; });
        EXPECT_EQ(c.transport->get_returncode(), -SIGKILL);
        EXPECT_EQ(rec->events.back(), "lost:ok");
        EXPECT_EQ(position(rec->events, "exited"), rec->events.size() - 2);
        EXPECT_FALSE(process_exists(pid));
    });
}

TEST(Subprocess, ExecFailureAndBadInputAreClearErrors) {
    coronet::run([]() -> Task<void> {
        std::shared_ptr<ProcRecord> rec;
        auto f = factory_into(rec);
        std::vector<std::string> missing{"/nonexistent/coronet-program"};
        try {
            co_await aio::subprocess_exec(f, missing);
            ADD_FAILURE() << "spawned a missing program";
        } catch (const OSError& e) {
            EXPECT_EQ(e.code().value(), ENOENT);
            EXPECT_NE(std::string(e.what()).find("subprocess_exec: cannot execute"),
                      std::string::npos);
        }
        CO_ASSERT(rec != nullptr);         // made before spawning, as asyncio does
        EXPECT_TRUE(rec->events.empty());  // but never connected
        std::vector<std::string> empty;
        EXPECT_THROW(co_await aio::subprocess_exec(f, empty), std::invalid_argument);
        std::vector<std::string> ok{"true"};
        aio::SubprocessOptions o{};
        o.stdout = aio::STDOUT;
        EXPECT_THROW(co_await aio::subprocess_exec(f, ok, o), std::invalid_argument);
        auto not_subprocess = []() -> std::unique_ptr<aio::BaseProtocol> {
            return std::make_unique<aio::Protocol>();
        };
        EXPECT_THROW(co_await aio::subprocess_exec(not_subprocess, ok), std::invalid_argument);
        EXPECT_THROW(co_await aio::subprocess_shell(f, std::string("a\0b", 3)),
                     std::invalid_argument);
        aio::SubprocessOptions bad_cwd{};
        bad_cwd.cwd = "/nonexistent/dir";
        EXPECT_THROW(co_await aio::subprocess_exec(f, ok, bad_cwd), OSError);
    });
}

}  // namespace
