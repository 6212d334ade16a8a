#pragma once

#include <filesystem>
#include <string>

namespace daiban::kernel {

// The whole file, bytes as they are. Throws std::runtime_error naming the path when it cannot be
// read.
std::string ReadFile(const std::filesystem::path& path);

}  // namespace daiban::kernel
