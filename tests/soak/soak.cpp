// The soak: thousands of connections churning (connect, exchange, close)
// against an echo server in the same process, for a fixed time. Prints one
// line of figures; exits 1 on any error, RSS growth past the limit after
// warm-up, or open fds not back to their starting count.
//
//     coronet_soak [--seconds S] [--connections N] [--warmup S] [--max-growth PCT]
//
// The server runs on one loop, the clients on another (run_multi); each
// client task loops: connect, send 64..4096 bytes, read the echo back and
// check it, close. Not part of CI (see tests/soak/run.sh).
#include <sys/resource.h>

#include <dirent.h>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>

#include <coronet/coronet.hpp>

using namespace coronet;
using namespace std::chrono_literals;

namespace {

struct Settings {
    int seconds = 600;
    int connections = 2000;
    int warmup = 30;
    double max_growth_percent = 5;
};

long rss_kib() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
    return -1;
}

int open_fds() {
    int count = 0;
    if (DIR* dir = ::opendir("/proc/self/fd")) {
        while (const dirent* entry = ::readdir(dir))
            if (entry->d_name[0] != '.') ++count;
        ::closedir(dir);
    }
    return count - 1;  // the directory stream itself
}

bool parse(int argc, char** argv, Settings& s) {
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (i + 1 >= argc) return false;
        const char* value = argv[++i];
        if (arg == "--seconds")
            s.seconds = std::atoi(value);
        else if (arg == "--connections")
            s.connections = std::atoi(value);
        else if (arg == "--warmup")
            s.warmup = std::atoi(value);
        else if (arg == "--max-growth")
            s.max_growth_percent = std::atof(value);
        else
            return false;
    }
    return s.seconds > 0 && s.connections > 0 && s.warmup >= 0 && s.warmup < s.seconds;
}

struct Shared {
    std::atomic<int> port{0};
    std::atomic<long> exchanges{0};
    std::atomic<long> errors{0};
    std::atomic<long> rss_after_warmup{0};
};

Task<void> echo(SocketStream stream) {
    try {
        for (;;)
            co_await stream.send(co_await stream.receive());
    } catch (const EndOfStream&) {
    } catch (const BrokenResourceError&) {
    }
}

Task<void> client(Shared& shared, int id, TimePoint until) {
    std::mt19937 random(static_cast<unsigned>(id));
    std::string message;
    while (current_time() < until) {
        try {
            SocketStream s = co_await connect_tcp("127.0.0.1", shared.port.load());
            message.resize(std::uniform_int_distribution<std::size_t>(64, 4096)(random));
            for (auto& c : message)
                c = static_cast<char>('a' + random() % 26);
            co_await s.send(message);
            std::string got;
            while (got.size() < message.size())
                got += (co_await s.receive()).str();
            if (got != message) ++shared.errors;
            co_await s.aclose();
            ++shared.exchanges;
        } catch (const std::exception& e) {
            if (++shared.errors <= 5) std::fprintf(stderr, "client %d: %s\n", id, e.what());
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    Settings settings;
    if (!parse(argc, argv, settings)) {
        std::fprintf(stderr,
                     "usage: coronet_soak [--seconds S] [--connections N] [--warmup S] "
                     "[--max-growth PCT]\n");
        return 2;
    }
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);

    const int fds_before = open_fds();
    Shared shared;
    MultiLoopOptions options;
    options.threads = 2;
    std::string backend;
    try {
        run_multi(options, [&](LoopWorker worker) -> Task<void> {
            if (worker.index == 0) {
                backend = std::string(Loop::current().backend_name());
                auto listener = co_await create_tcp_listener({.local_host = "127.0.0.1"});
                shared.port = listener.extra<attr::local_port>();
                co_await listener.serve(echo);
                co_return;
            }
            while (shared.port.load() == 0)
                co_await sleep(1ms);
            const TimePoint start = current_time();
            const TimePoint until = start + std::chrono::seconds(settings.seconds);
            co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
                for (int i = 0; i < settings.connections; ++i)
                    tg.spawn(client(shared, i, until));
                co_await sleep(std::chrono::seconds(settings.warmup));
                shared.rss_after_warmup = rss_kib();
            });
            worker.group->stop();
        });
    } catch (const std::exception& e) {
        std::fprintf(stderr, "soak: %s\n", e.what());
        return 1;
    }
    const long rss_end = rss_kib();
    const int fds_after = open_fds();
    const double growth = 100.0 * static_cast<double>(rss_end - shared.rss_after_warmup) /
                          static_cast<double>(shared.rss_after_warmup);
    std::printf(
        "backend=%s seconds=%d connections=%d exchanges=%ld errors=%ld rss_after_warmup_kib=%ld "
        "rss_end_kib=%ld rss_growth_pct=%.2f fds_before=%d fds_after=%d\n",
        backend.c_str(), settings.seconds, settings.connections, shared.exchanges.load(),
        shared.errors.load(), shared.rss_after_warmup.load(), rss_end, growth, fds_before,
        fds_after);
    const bool ok = shared.errors == 0 && shared.exchanges > 0 &&
                    growth < settings.max_growth_percent && fds_after == fds_before;
    return ok ? 0 : 1;
}
