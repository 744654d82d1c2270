// to_string(OpCode): every operation has its own name (diagnostics and logs
// tell a recv_provided from a plain recv).
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "coronet/backend/operation.hpp"

namespace coronet::test {
namespace {

using backend::OpCode;

TEST(OperationNames, EachOpCodeHasItsOwnName) {
    const OpCode all[] = {OpCode::accept,  OpCode::connect,  OpCode::recv,   OpCode::recv_provided,
                          OpCode::recvmsg, OpCode::recvfrom, OpCode::send,   OpCode::sendmsg,
                          OpCode::sendto,  OpCode::poll,     OpCode::timeout};
    std::set<std::string> names;
    for (OpCode code : all)
        names.insert(backend::to_string(code));
    EXPECT_EQ(names.size(), std::size(all));
    EXPECT_EQ(names.count("unknown"), 0u);
    EXPECT_STREQ(backend::to_string(OpCode::recv_provided), "recv_provided");
    EXPECT_STREQ(backend::to_string(OpCode::recv), "recv");
}

}  // namespace
}  // namespace coronet::test
