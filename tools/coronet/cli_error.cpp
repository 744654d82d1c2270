#include "cli_error.hpp"

#include <coronet/coronet.hpp>
#include <cstdio>

namespace coronet::cli {

namespace {

// Task groups wrap what their children raised; a lone error is reported as
// itself, so the user reads "Connection refused", not "1 exception in group".
std::exception_ptr unwrap(std::exception_ptr error) {
    for (int depth = 0; depth < 8; ++depth) {
        try {
            std::rethrow_exception(error);
        } catch (const ExceptionGroup& group) {
            if (group.size() != 1) return error;
            error = group.exceptions().front();
        } catch (...) {
            return error;
        }
    }
    return error;
}

int classify(std::string& message, std::exception_ptr error) {
    try {
        std::rethrow_exception(error);
    } catch (const UsageError& e) {
        message = e.what();
        return kExitUsage;
    } catch (const std::invalid_argument& e) {
        // The library's verdict on an argument (a path that is not a socket,
        // a name too long for sun_path, ...): still the user's input.
        message = e.what();
        return kExitUsage;
    } catch (const std::exception& e) {
        message = e.what();
        return kExitPeerError;
    } catch (const Cancelled&) {
        message = "cancelled";
        return kExitInterrupted;
    } catch (...) {
        message = "unknown error";
        return kExitPeerError;
    }
}

}  // namespace

int report_error(std::string_view command, std::exception_ptr error) {
    std::string message;
    const int code = classify(message, unwrap(error));
    // One line, whatever the library put in the message.
    for (char& c : message) {
        if (c == '\n' || c == '\r') c = ' ';
    }
    std::fprintf(stderr, "coronet %.*s: %s\n", static_cast<int>(command.size()), command.data(),
                 message.c_str());
    std::fflush(stderr);
    return code;
}

}  // namespace coronet::cli
