#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "daiban/kernel/config.hpp"

namespace daiban::cli {

// Administration that is not an API call: `daibanctl COMMAND ...`. Returns the exit code:
// 0 done, 1 the command failed (the database refused, a file is bad), 2 a usage or
// configuration error.
int RunDaibanctl(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                 const kernel::Env& env);

}  // namespace daiban::cli
