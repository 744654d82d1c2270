// The reference's "loop.subprocess_exec() and SubprocessProtocol" example:
// runs a child that prints the current date, collects its stdout through
// pipe_data_received, waits for process_exited and prints the result.
//
//     subprocess_date      (prints "Current date: 2026-12-03 23:51:00.123456")
//
// The child is the reference's own: python3 -c 'import datetime;
// print(datetime.datetime.now())' (python3 from PATH stands in for
// sys.executable), with stdin and stderr inherited (the reference's None).
#include <coronet/coronet.hpp>
#include <cstdio>
#include <string>
#include <vector>

using namespace coronet;

namespace {

struct DateProtocol : asyncio::SubprocessProtocol {
    Event* exit_future = nullptr;
    std::string output;
    void pipe_data_received(int, BytesView data) override { output += data.str(); }
    void process_exited() override { exit_future->set(); }
};

Task<std::string> get_date() {
    Event exit_future;
    auto factory = [&] {
        auto p = std::make_unique<DateProtocol>();
        p->exit_future = &exit_future;
        return p;
    };
    std::vector<std::string> argv{"python3", "-c",
                                  "import datetime; print(datetime.datetime.now())"};
    asyncio::SubprocessOptions options{};
    options.stdin = asyncio::INHERIT;
    options.stderr = asyncio::INHERIT;
    asyncio::SubprocessConnection c = co_await asyncio::subprocess_exec(factory, argv, options);
    // Wait for the subprocess exit using the process_exited() method.
    co_await exit_future.wait();
    // Close the stdout pipe. process_exited came after its EOF, so all the
    // output is in the protocol already.
    c.transport->close();
    std::string date = dynamic_cast<DateProtocol&>(*c.protocol).output;
    while (!date.empty() && (date.back() == '\n' || date.back() == ' '))
        date.pop_back();
    co_return date;
}

Task<void> amain() {
    const std::string date = co_await get_date();
    std::printf("Current date: %s\n", date.c_str());
}

}  // namespace

int main() {
    try {
        return run(amain), 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "subprocess_date: %s\n", e.what());
        return 1;
    }
}
