// The byte-stream conformance suite over process pipes: two `cat` children
// carry the data. Stream a writes into cat 1's stdin and reads cat 2's
// stdout; b the other way round. Half-close is honest: a.send_eof() closes
// cat 1's stdin, cat 1 exits, and b's receive hits EndOfStream while the
// other direction keeps working.
#include <gtest/gtest.h>

#include <coronet/coronet.hpp>
#include <coronet/testing/stream_conformance_gtest.hpp>

using namespace coronet;

namespace {

// A stapled stream that also owns the process it writes to (the Process
// destructor reaps it; a cat whose stdin was closed has exited by then).
class ProcessStapledStream : public StapledByteStream {
  public:
    ProcessStapledStream(std::unique_ptr<PipeSendStream> to_child,
                         std::unique_ptr<PipeReceiveStream> from_other_child, Process child)
        : StapledByteStream(std::move(to_child), std::move(from_other_child)),
          owned_(std::move(child)) {}

  private:
    Process owned_;
};

coronet::testing::StreamFixture cat_fixture() {
    coronet::testing::StreamFixture f;
    f.factory = []() -> Task<coronet::testing::StreamPair> {
        // stderr to /dev/null: a cat killed by a broken pipe may complain.
        Process cat1 = open_process({"cat"}, {.stderr = DEVNULL});
        Process cat2 = open_process({"cat"}, {.stderr = DEVNULL});
        auto cat1_in = cat1.take_stdin();
        auto cat1_out = cat1.take_stdout();
        auto cat2_in = cat2.take_stdin();
        auto cat2_out = cat2.take_stdout();
        auto a = std::make_unique<ProcessStapledStream>(std::move(cat1_in), std::move(cat2_out),
                                                        std::move(cat1));
        auto b = std::make_unique<ProcessStapledStream>(std::move(cat2_in), std::move(cat1_out),
                                                        std::move(cat2));
        co_return coronet::testing::StreamPair{std::move(a), std::move(b)};
    };
    f.traits.half_close = true;
    return f;
}

}  // namespace

INSTANTIATE_BYTE_STREAM_CONFORMANCE(CatProcesses, cat_fixture);
