#include "daiban/kernel/file.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace daiban::kernel {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace daiban::kernel
