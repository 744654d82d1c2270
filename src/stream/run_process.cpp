#include "coronet/stream/run_process.hpp"

#include <string.h>

#include <exception>
#include <stdexcept>
#include <string>
#include <utility>

#include "coronet/runtime/cancel_scope.hpp"
#include "coronet/runtime/task_group.hpp"

namespace coronet {
namespace {

std::string called_process_message(const Command& command, int returncode) {
    std::string text = "Command '" + command.to_string() + "' ";
    if (returncode < 0) {
        const char* name = ::strsignal(-returncode);
        return text + "died with signal " + std::to_string(-returncode) + " (" +
               (name ? name : "unknown") + ")";
    }
    return text + "returned non-zero exit status " + std::to_string(returncode);
}

Task<void> collect(PipeReceiveStream& stream, Bytes& into) {
    try {
        for (;;)
            into.append(co_await stream.receive());
    } catch (const EndOfStream&) {
    }
}

Task<void> feed(PipeSendStream& stream, BytesView input) {
    try {
        co_await stream.send(input);
    } catch (const BrokenResourceError&) {
        // The child exited (or closed stdin) without reading everything.
    }
    co_await stream.aclose();
}

}  // namespace

CalledProcessError::CalledProcessError(Command command, int returncode, Bytes stdout, Bytes stderr)
    : Error(called_process_message(command, returncode)),
      command_(std::move(command)),
      returncode_(returncode),
      stdout_(std::move(stdout)),
      stderr_(std::move(stderr)) {}

void CompletedProcess::check_returncode() const {
    if (returncode != 0) throw CalledProcessError(args, returncode, stdout, stderr);
}

Task<CompletedProcess> run_process(Command command, RunProcessOptions options) {
    if (options.input && options.stdin) {
        throw std::invalid_argument("run_process: give either input or stdin, not both");
    }
    ProcessOptions process_options{
        .stdin = options.input ? PIPE : options.stdin.value_or(INHERIT),
        .stdout = options.stdout,
        .stderr = options.stderr,
        .cwd = options.cwd,
        .env = options.env,
        .inherit_env = options.inherit_env,
        .start_new_session = options.start_new_session,
    };
    Process process = open_process(command, process_options);
    CompletedProcess result{std::move(command), 0, {}, {}};
    std::exception_ptr failure;
    try {
        co_await with_task_group([&](TaskGroup& tg) -> Task<void> {
            if (process.has_stdout()) tg.spawn(collect(process.stdout(), result.stdout));
            if (process.has_stderr()) tg.spawn(collect(process.stderr(), result.stderr));
            if (process.has_stdin()) {
                tg.spawn(feed(process.stdin(), options.input.value_or(BytesView())));
            }
            result.returncode = co_await process.wait();
        });
    } catch (...) {  // Cancelled too: the child must not outlive us
        failure = std::current_exception();
    }
    if (failure) {
        process.kill();
        CancelScope shield(kNoDeadline, /*shield=*/true);
        co_await shield.run(process.wait());
        std::rethrow_exception(failure);
    }
    if (options.check) result.check_returncode();
    co_return result;
}

}  // namespace coronet
