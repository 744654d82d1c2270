// The error every conformance suite in coronet/testing raises for a broken
// rule of its contract (one type, so the suites can be used together).
#pragma once

#include <stdexcept>

namespace coronet::testing {

class ConformanceFailure : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

}  // namespace coronet::testing
